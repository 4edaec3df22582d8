/**
 * What an importer found wrong. Bad annotations never stop an import: each is reported with
 * the file and line (or XML element) at fault, skipped, and counted by kind.
 */

/** Kinds of problems an importer reports. */
export type ImportIssueKind =
  | 'box-outside-image'
  | 'empty-box'
  | 'unknown-class'
  | 'missing-file'
  | 'unknown-image'
  | 'bad-row'
  | 'bad-image';

/** One skipped annotation, image or row. */
export interface ImportIssue {
  kind: ImportIssueKind;
  /** File at fault. */
  file: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  /** What was skipped, e.g. `<box frame="12">` or `annotations[3]`. */
  where?: string;
  message: string;
}

/** Collects issues and counts; shared by all importers. */
export class ImportReport {
  /** Every issue, in the order found. */
  readonly issues: ImportIssue[] = [];
  /** Issues by kind. */
  readonly counts: Partial<Record<ImportIssueKind, number>> = {};
  /** Boxes that reached slightly outside the image and were clipped to it (not an error). */
  clipped = 0;
  /** Boxes dropped because their class was not selected by the class map (not an error). */
  droppedByClassMap = 0;

  /** Records one problem. */
  add(issue: ImportIssue): void {
    this.issues.push(issue);
    this.counts[issue.kind] = (this.counts[issue.kind] ?? 0) + 1;
  }

  /** Total number of problems. */
  get total(): number {
    return this.issues.length;
  }

  /** `file:line: kind: message` lines, at most `max` of them plus a "... and N more" line. */
  format(max = 20): string[] {
    const lines = this.issues.slice(0, max).map((i) => {
      const at = i.line !== undefined ? `${i.file}:${i.line}` : i.file;
      return `${at}: ${i.kind}${i.where ? ` ${i.where}` : ''}: ${i.message}`;
    });
    if (this.issues.length > max) lines.push(`... and ${this.issues.length - max} more`);
    return lines;
  }

  /** One-line summary, e.g. `3 skipped (2 unknown-class, 1 missing-file), 4 clipped`. */
  summary(): string {
    const parts = Object.entries(this.counts).map(([k, n]) => `${n} ${k}`);
    const head = this.total === 0 ? 'no problems' : `${this.total} skipped (${parts.join(', ')})`;
    const extra = [
      this.clipped ? `${this.clipped} boxes clipped to the image` : '',
      this.droppedByClassMap ? `${this.droppedByClassMap} boxes of unselected classes dropped` : '',
    ].filter(Boolean);
    return [head, ...extra].join(', ');
  }
}

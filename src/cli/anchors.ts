/**
 * `ssd-stream anchors fit <dataset>` — k-means (1 − IoU) over the dataset's box shapes at the
 * model input, printed as an `anchors:` block (YAML, or JSON with `--json`) to paste into a spec.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Document, isScalar, isSeq, parse as parseYaml, visit } from 'yaml';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { ConfigError, SsdsError, ErrorCodes } from '../errors.js';
import { mergeSpecLayers, readSpecSources } from '../inference/model-spec.js';
import { anchorSpecSchema, inputSpecSchema, type AnchorSpec } from '../ssd/spec.js';
import { boxSizesFromDataset, suggestAnchors, type FitInput } from '../training/anchor-fit.js';
import { ImportReport } from '../training/data/import-report.js';
import { loadAnyDataset } from '../training/data/load-any.js';

interface FitOpts {
  spec?: string;
  input: string;
  resize: string;
  featureMaps?: string;
  k?: string;
  seed: string;
  json?: boolean;
  format?: string;
  classes?: string;
}

/** Feature-map sizes of a MobileNet-SSD-style pyramid: strides 16 … 512 (300 → 19,10,5,3,2,1). */
export function defaultFeatureMaps(width: number, height: number): [number, number][] {
  return [16, 32, 64, 128, 256, 512].map((s) => [Math.ceil(height / s), Math.ceil(width / s)] as [number, number]);
}

/**
 * Reads `--spec`: an `.onnx` model (its embedded spec and sidecar), a model spec (JSON/YAML)
 * with `input` and `anchors`, or an anchors block alone.
 */
async function readSpec(file: string): Promise<{ anchors: AnchorSpec; input?: FitInput }> {
  let doc: Record<string, unknown>;
  if (file.endsWith('.onnx')) {
    // A model: its embedded spec, completed by a sidecar when there is one.
    const src = readSpecSources(file);
    doc = mergeSpecLayers(src.embedded, src.sidecar);
    if (!doc.anchors) throw new ConfigError('--spec', `${file} carries no anchors in its spec (metadata or ${src.sidecarPath})`);
  } else {
    try {
      const text = await readFile(file, 'utf8');
      doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
    } catch (e) {
      throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `cannot read spec ${file}`, { cause: e });
    }
  }
  const anchorsRaw = doc && typeof doc === 'object' && 'anchors' in doc ? doc.anchors : doc;
  const a = anchorSpecSchema.safeParse(anchorsRaw);
  if (!a.success) throw new ConfigError('--spec', `${file}: anchors: ${a.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const inp = doc && 'input' in doc ? inputSpecSchema.safeParse(doc.input) : undefined;
  return { anchors: a.data, input: inp?.success ? inp.data : undefined };
}

export function register(program: Command): void {
  const cmd = program.command('anchors').description('fit default-box (anchor) shapes to a dataset');
  cmd
    .command('fit')
    .description('k-means (IoU distance) box shapes → scales and aspect ratios per feature map')
    .argument('<dataset>', 'dataset folder or any importable annotation file')
    .option('--spec <file>', 'model (.onnx) or spec (JSON/YAML) whose input and feature maps to fit for')
    .option('--input <WxH>', 'model input size when no --spec', '300x300')
    .option('--resize <mode>', 'stretch or pad, when no --spec', 'stretch')
    .option('--feature-maps <list>', 'feature map sizes when no --spec, e.g. 19,10,5,3,2,1')
    .option('--k <n>', 'number of shape clusters (default: 2 per feature map, at least 6)')
    .option('--seed <n>', 'k-means++ seed', '1')
    .option('--format <format>', 'annotation format when not a dataset folder')
    .option('--classes <list>', 'only these classes (class map syntax)')
    .option('--json', 'print JSON instead of YAML')
    .action(
      action(async (target: string, o: FitOpts) => {
        let base: AnchorSpec;
        let input: FitInput;
        if (o.spec) {
          const spec = await readSpec(o.spec);
          base = spec.anchors;
          input = spec.input ?? parseInput(o);
        } else {
          input = parseInput(o);
          const maps = o.featureMaps
            ? o.featureMaps.split(',').map((v) => {
                const n = parseOptionalNumber('--feature-maps', v.trim(), 1, 1000, true)!;
                return [n, n] as [number, number];
              })
            : defaultFeatureMaps(input.width, input.height);
          base = { type: 'ssd', featureMaps: maps, minScale: 0.2, maxScale: 0.95, aspectRatios: maps.map(() => [2]), flip: true, clip: false };
        }
        const { dataset } = await loadAnyDataset(target, { format: o.format as never, classes: o.classes, report: new ImportReport() });
        const sizes = boxSizesFromDataset(dataset, input);
        if (sizes.length === 0) throw new SsdsError(ErrorCodes.DATASET_INVALID, `${target}: no boxes to fit anchors to`);
        const s = suggestAnchors(sizes, base, {
          k: parseOptionalNumber('--k', o.k, 1, 100, true),
          seed: parseOptionalNumber('--seed', o.seed, 0, 2 ** 31, true),
        });
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ anchors: s.anchors, meanIou: s.meanIou, boxes: s.boxes, clusters: s.clusters })}\n`);
          return;
        }
        const lines = [
          `# ${s.boxes} boxes, input ${input.width}x${input.height} (${input.resize}); ${s.clusters.length} shape clusters, mean best IoU ${s.meanIou.toFixed(3)}`,
          '#   width  height  scale  aspect(w/h)  boxes  feature map',
          ...s.clusters.map(
            (c) => `#   ${c.width.toFixed(3)}  ${c.height.toFixed(3)}  ${c.scale.toFixed(3)}  ${c.aspect.toFixed(2).padStart(6)}  ${String(c.boxes).padStart(9)}  ${c.layer} (${s.anchors.featureMaps[c.layer].join('x')})`,
          ),
          anchorsYaml(s.anchors),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}

/** `anchors:` as YAML with short lists (numbers, sizes) on one line, as people write specs. */
function anchorsYaml(anchors: AnchorSpec): string {
  const doc = new Document({ anchors });
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i) || (isSeq(i) && i.items.every(isScalar)))) node.flow = true;
    },
  });
  return doc.toString().trimEnd();
}

function parseInput(o: FitOpts): FitInput {
  const m = /^(\d+)x(\d+)$/.exec(o.input);
  if (!m) throw new ConfigError('--input', `expected WxH, e.g. 300x300, got "${o.input}"`);
  if (o.resize !== 'stretch' && o.resize !== 'pad') throw new ConfigError('--resize', `expected stretch or pad, got "${o.resize}"`);
  return { width: Number(m[1]), height: Number(m[2]), resize: o.resize, padAlign: 'top-left' };
}

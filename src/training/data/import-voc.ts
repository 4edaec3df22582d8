/**
 * Pascal VOC XML: one `<annotation>` file per image with `<size>`, and `<object>`s holding
 * `<name>`, `<difficult>` and `<bndbox>` (`xmin..xmax` are 1-based inclusive pixels, so the
 * 0-based exclusive xyxy box is `[xmin - 1, ymin - 1, xmax, ymax]`). `difficult` objects become
 * ignored boxes, as in the VOC evaluation.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SsdsError, ErrorCodes, errorMessage } from '../../errors.js';
import { DatasetBuilder } from './dataset-builder.js';
import type { Dataset } from './dataset-format.js';
import { ImportReport } from './import-report.js';
import { readImageSize } from './image-size.js';
import { child, childText, children, parseXml } from './xml.js';
import type { ImageImportOptions } from './import-coco.js';

/** Options of {@link importVoc}. */
export interface VocImportOptions extends ImageImportOptions {
  /** Fixed class list; names outside it are reported as unknown. Default: classes as met. */
  classes?: readonly string[];
}

/** Lists the `.xml` files to import: `target` itself, or the XMLs in the folder (sorted). */
async function listXmlFiles(target: string): Promise<string[]> {
  const st = await stat(target).catch((e: unknown) => {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `VOC annotations ${target} not found`, { cause: e });
  });
  if (!st.isDirectory()) return [path.resolve(target)];
  const dir = existsSync(path.join(target, 'Annotations')) ? path.join(target, 'Annotations') : target;
  const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.xml')).sort();
  if (names.length === 0) throw new SsdsError(ErrorCodes.DATASET_INVALID, `no .xml files in ${dir}`);
  return names.map((n) => path.resolve(dir, n));
}

/** Where the image of an XML lives: `--images`, then `../JPEGImages`, then beside the XML. */
function resolveImage(xmlFile: string, fileName: string, imagesDir?: string): string {
  if (imagesDir) return path.resolve(imagesDir, fileName);
  const xmlDir = path.dirname(xmlFile);
  const candidates = [path.resolve(xmlDir, '..', 'JPEGImages', fileName), path.resolve(xmlDir, fileName)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** Imports a VOC XML file or a folder of them (a VOC root with `Annotations/` also works). */
export async function importVoc(target: string, opts: VocImportOptions = {}): Promise<{ dataset: Dataset; report: ImportReport }> {
  const report = opts.report ?? new ImportReport();
  const builder = new DatasetBuilder(report, opts.classes);
  const files = await listXmlFiles(target);
  for (const file of files) {
    let root;
    try {
      root = parseXml(await readFile(file, 'utf8'), file);
    } catch (e) {
      report.add({ kind: 'bad-image', file, message: errorMessage(e) });
      continue;
    }
    if (root.name !== 'annotation') {
      report.add({ kind: 'bad-image', file, line: root.line, message: `root element is <${root.name}>, not <annotation>` });
      continue;
    }
    const fileName = childText(root, 'filename') ?? `${path.basename(file, '.xml')}.jpg`;
    const abs = resolveImage(file, fileName, opts.imagesDir);
    if (!existsSync(abs)) {
      report.add({ kind: 'missing-file', file, line: root.line, where: '<filename>', message: `image ${abs} does not exist` });
      continue;
    }
    let width = Number(childText(root, 'size/width'));
    let height = Number(childText(root, 'size/height'));
    if (!(width > 0 && height > 0)) {
      // Some exporters write <width>0</width>; the image header is the truth then.
      const size = await readImageSize(abs);
      if (!size) {
        report.add({ kind: 'bad-image', file, line: root.line, message: `${abs} is not a readable image` });
        continue;
      }
      ({ width, height } = size);
    }
    const image = builder.addImage({ file: abs, width, height });
    for (const obj of children(root, 'object')) {
      const at = { file, line: obj.line, where: '<object>' };
      const name = childText(obj, 'name');
      const bnd = child(obj, 'bndbox');
      if (!name || !bnd) {
        report.add({ kind: 'bad-row', ...at, message: '<object> needs <name> and <bndbox>' });
        continue;
      }
      const v = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(childText(bnd, k)));
      const difficult = childText(obj, 'difficult') === '1';
      builder.addBox(image, [v[0] - 1, v[1] - 1, v[2], v[3]], name, { ...at, line: bnd.line }, { ignore: difficult, occluded: childText(obj, 'occluded') === '1' });
    }
  }
  const dir = (await stat(target)).isDirectory() ? path.resolve(target) : path.dirname(path.resolve(target));
  return { dataset: { ...builder.build(`voc:${path.resolve(target)}`), dir }, report };
}

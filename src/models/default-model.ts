/**
 * The embedded default model: built from face-api's weights by the project's own ONNX writer on
 * first use, cached under `models/cache/` (never committed).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildSsdOnnx } from '../onnx/ssd-graph.js';
import { logger } from '../util/logger.js';
import { projectPath } from '../util/project-root.js';
import { faceApiSsdNetwork } from './face-ssd-mobilenetv1.js';

/** Catalogue name of the default model. */
export const DEFAULT_MODEL_NAME = 'face-ssd-mobilenetv1';

/** Where the default model is cached: `<project>/models/cache/face-ssd-mobilenetv1.onnx`. */
export function defaultModelPath(): string {
  return projectPath('models', 'cache', `${DEFAULT_MODEL_NAME}.onnx`);
}

/** Builds the default model's ONNX bytes (about 22 MB; ~1 s). */
export function buildDefaultModel(): Uint8Array {
  return buildSsdOnnx(faceApiSsdNetwork(undefined, DEFAULT_MODEL_NAME), {
    docString: 'SSD MobileNetV1 face detector; weights from @vladmandic/face-api (MIT), graph written by ssd-stream',
  });
}

/**
 * Returns the path of the default model, building it first when it is not cached (or when
 * `force`). The write is atomic (temporary file + rename), so concurrent processes never load a
 * half-written model.
 */
export async function ensureDefaultModel(opts: { force?: boolean } = {}): Promise<string> {
  const path = defaultModelPath();
  if (!opts.force && existsSync(path)) return path;
  logger.info({ model: DEFAULT_MODEL_NAME, path }, 'building the default model from @vladmandic/face-api weights');
  const bytes = buildDefaultModel();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}

/**
 * Where a model's spec comes from, in increasing priority: the adapter's defaults for its layout,
 * the spec embedded in the ONNX `metadata_props` (`ssd_stream.spec`), the sidecar
 * `<model>.ssd.json` beside the file, and the caller's post-processing overrides. Layers are
 * merged key by key (nested objects such as `input` and `postprocess` field by field), except
 * `anchors` and `labels`, which a later layer replaces whole: mixing two anchor generators'
 * fields would describe neither.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ErrorCodes, SsdsError, errorMessage } from '../errors.js';
import { readOnnxMetadata } from '../onnx/onnx-metadata.js';
import { SPEC_METADATA_KEY, parseModelSpec, type ModelSpec } from '../ssd/spec.js';

/** A spec fragment as found in one place (validated only once all layers are merged). */
export type SpecLayer = Record<string, unknown>;

/** The spec fragments a model file brings with it. */
export interface ModelSpecSources {
  modelPath: string;
  /** From `metadata_props[ssd_stream.spec]`, when present. */
  embedded?: SpecLayer;
  /** From the sidecar, when present. */
  sidecar?: SpecLayer;
  sidecarPath: string;
}

/** Keys whose value a later layer replaces instead of merging into. */
const REPLACED_KEYS = new Set(['anchors', 'labels']);

/** Path of the sidecar spec of `modelPath`. */
export function sidecarPathOf(modelPath: string): string {
  return `${modelPath}.ssd.json`;
}

function parseJsonObject(text: string, where: string): SpecLayer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SsdsError(ErrorCodes.SPEC_INVALID, `${where}: not valid JSON (${errorMessage(e)})`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new SsdsError(ErrorCodes.SPEC_INVALID, `${where}: expected a JSON object with the model spec`);
  }
  return v as SpecLayer;
}

/**
 * Reads the embedded spec and the sidecar of a model file. Throws MODEL_INVALID when the file is
 * not an ONNX protobuf, FILE_NOT_FOUND when it is missing, SPEC_INVALID when a spec is not JSON.
 */
export function readSpecSources(modelPath: string): ModelSpecSources {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(modelPath);
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `${modelPath}: cannot read model file (${errorMessage(e)})`, {
      cause: e,
    });
  }
  let meta: Map<string, string>;
  try {
    meta = readOnnxMetadata(bytes);
  } catch (e) {
    throw new SsdsError(
      ErrorCodes.MODEL_INVALID,
      `${modelPath}: not a valid ONNX model (protobuf: ${errorMessage(e)})`,
      { cause: e },
    );
  }
  const sidecarPath = sidecarPathOf(modelPath);
  const embeddedText = meta.get(SPEC_METADATA_KEY);
  return {
    modelPath,
    sidecarPath,
    embedded:
      embeddedText === undefined
        ? undefined
        : parseJsonObject(embeddedText, `${modelPath}: metadata_props[${SPEC_METADATA_KEY}]`),
    sidecar: existsSync(sidecarPath) ? parseJsonObject(readFileSync(sidecarPath, 'utf8'), sidecarPath) : undefined,
  };
}

function isPlainObject(v: unknown): v is SpecLayer {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Merges spec layers, later ones winning (see the module comment for the rule). */
export function mergeSpecLayers(...layers: (SpecLayer | undefined)[]): SpecLayer {
  const out: SpecLayer = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const prev = out[k];
      out[k] = !REPLACED_KEYS.has(k) && isPlainObject(prev) && isPlainObject(v) ? { ...prev, ...v } : v;
    }
  }
  return out;
}

/**
 * Validates the merged spec; failures become SPEC_INVALID naming the model, the places the spec
 * came from, and every offending key.
 */
export function finalizeSpec(merged: SpecLayer, sources: ModelSpecSources): ModelSpec {
  try {
    return parseModelSpec(merged);
  } catch (e) {
    const from = [
      sources.embedded ? `metadata_props[${SPEC_METADATA_KEY}]` : undefined,
      sources.sidecar ? sources.sidecarPath : undefined,
    ].filter(Boolean);
    throw new SsdsError(
      ErrorCodes.SPEC_INVALID,
      `${sources.modelPath}: ${errorMessage(e)} (spec from ${from.length ? from.join(' + ') : 'adapter defaults only'})`,
      { cause: e },
    );
  }
}

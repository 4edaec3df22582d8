/**
 * Training checkpoints. A checkpoint `runs/x/best` is two files: `best.ckpt.json` (the network's
 * spec and architecture, the weight index, optimiser and trainer state) and `best.ckpt.bin`
 * (every float32 tensor, concatenated little-endian). The JSON is readable by humans and diffs;
 * the binary is what makes a 25 MB network load in milliseconds.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCodes, SsdsError } from '../errors.js';
import type { ConvLayer, Predictor, SsdNetwork, WeightTensor } from '../models/ssd-network.js';
import { validateSsdNetwork } from '../models/ssd-network.js';
import { parseModelSpec } from '../ssd/spec.js';

/** Format version of the checkpoint JSON. */
export const CHECKPOINT_VERSION = 1;

/** Index entry of one tensor inside the `.ckpt.bin`. */
interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

/** A named tensor of optimiser state (momentum, Adam moments). */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What the trainer stores beside the weights (free-form but JSON). */
export interface TrainerState {
  /** Last completed epoch (1-based); 0 for a fresh model. */
  epoch: number;
  /** Optimiser steps taken. */
  step: number;
  bestMap50: number;
  bestEpoch: number;
  /** The options the run was started with (for `--resume`). */
  options?: Record<string, unknown>;
  /** Which layers were trained (`heads` or `all`). */
  trained?: 'heads' | 'all';
}

/** A loaded checkpoint. */
export interface Checkpoint {
  net: SsdNetwork;
  state: TrainerState;
  optimizer: { kind: string; tensors: NamedTensor[] } | undefined;
}

/**
 * The base path of a checkpoint given as `runs/x/best`, `runs/x/best.ckpt.json`,
 * `runs/x/best.onnx` (the checkpoint exported beside it) or a run folder (its `best`).
 */
export function checkpointBase(path: string): string {
  if (path.endsWith('.ckpt.json')) return path.slice(0, -'.ckpt.json'.length);
  if (path.endsWith('.ckpt.bin')) return path.slice(0, -'.ckpt.bin'.length);
  if (path.endsWith('.onnx')) return path.slice(0, -'.onnx'.length);
  if (existsSync(path) && statSync(path).isDirectory()) return join(path, 'best');
  return path;
}

/** True when `path` names an existing checkpoint (see {@link checkpointBase}). */
export function isCheckpoint(path: string): boolean {
  return existsSync(`${checkpointBase(path)}.ckpt.json`);
}

function atomicWrite(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Writes a checkpoint to `<base>.ckpt.json` / `.ckpt.bin` (each file replaced atomically). */
export function saveCheckpoint(base: string, ckpt: Checkpoint): void {
  mkdirSync(dirname(base), { recursive: true });
  const tensors: { entry: TensorEntry; data: Float32Array }[] = [];
  let offset = 0;
  const add = (name: string, t: WeightTensor): TensorEntry => {
    const entry = { name, shape: t.shape, offset };
    tensors.push({ entry, data: t.data });
    offset += t.data.length;
    return entry;
  };
  const weights = [...ckpt.net.weights].map(([name, t]) => add(name, t));
  const optimizer = ckpt.optimizer ? { kind: ckpt.optimizer.kind, tensors: ckpt.optimizer.tensors.map((t) => add(t.name, t)) } : undefined;
  const bin = new Float32Array(offset);
  for (const t of tensors) bin.set(t.data, t.entry.offset);
  atomicWrite(`${base}.ckpt.bin`, new Uint8Array(bin.buffer));
  const json = {
    version: CHECKPOINT_VERSION,
    spec: ckpt.net.spec,
    layers: ckpt.net.layers,
    predictors: ckpt.net.predictors,
    weights,
    optimizer,
    state: ckpt.state,
  };
  atomicWrite(`${base}.ckpt.json`, `${JSON.stringify(json, null, 1)}\n`);
}

/**
 * Reads a checkpoint. Throws `SSDS_ERR_FILE_NOT_FOUND` when it is missing and
 * `SSDS_ERR_MODEL_INVALID` naming the file when it is inconsistent.
 */
export function loadCheckpoint(path: string): Checkpoint {
  const base = checkpointBase(path);
  const jsonFile = `${base}.ckpt.json`;
  const binFile = `${base}.ckpt.bin`;
  if (!existsSync(jsonFile) || !existsSync(binFile)) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `checkpoint ${base}: ${jsonFile} and ${binFile} are needed`);
  }
  try {
    const j = JSON.parse(readFileSync(jsonFile, 'utf8')) as {
      version: number;
      spec: unknown;
      layers: ConvLayer[];
      predictors: Predictor[];
      weights: TensorEntry[];
      optimizer?: { kind: string; tensors: TensorEntry[] };
      state: TrainerState;
    };
    if (j.version !== CHECKPOINT_VERSION) throw new Error(`version ${j.version}, this program reads ${CHECKPOINT_VERSION}`);
    const buf = readFileSync(binFile);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const take = (e: TensorEntry): Float32Array => {
      const n = e.shape.reduce((a, b) => a * b, 1);
      if (e.offset + n > all.length) throw new Error(`tensor ${e.name} lies beyond the end of ${binFile}`);
      return all.slice(e.offset, e.offset + n);
    };
    const weights = new Map<string, WeightTensor>(j.weights.map((e) => [e.name, { shape: e.shape, data: take(e) }]));
    const net: SsdNetwork = { spec: parseModelSpec(j.spec), layers: j.layers, predictors: j.predictors, weights };
    validateSsdNetwork(net);
    const optimizer = j.optimizer ? { kind: j.optimizer.kind, tensors: j.optimizer.tensors.map((e) => ({ name: e.name, shape: e.shape, data: take(e) })) } : undefined;
    return { net, state: j.state, optimizer };
  } catch (e) {
    if (e instanceof SsdsError) throw e;
    throw new SsdsError(ErrorCodes.MODEL_INVALID, `checkpoint ${jsonFile}: ${(e as Error).message}`, { cause: e });
  }
}

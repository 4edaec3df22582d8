/**
 * Chooses the tfjs backend for training: `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node`
 * where they load (they are not dependencies: they download libtensorflow at install, which fails
 * on machines without that host, so the Dockerfile adds them), else the fastest backend that
 * works here. Measured on 2 cores (bench/training.ts): `wasm` runs the matmul-shaped head training
 * several times faster than the pure-JS `cpu` backend, so it is preferred; `cpu` is the last resort.
 * The choice is logged once at start.
 */
import * as tf from '@tensorflow/tfjs';
import { logger } from '../util/logger.js';

/** Backends in order of preference. */
export type TrainingBackend = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

const log = logger.child({ module: 'training-backend' });

async function tryImport(name: string): Promise<boolean> {
  try {
    // A variable specifier keeps bundlers and tsc from resolving optional packages.
    const spec = name;
    await import(spec);
    return true;
  } catch {
    return false;
  }
}

async function trySetBackend(name: string): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Selects and initialises the best available backend, or `prefer` when given (failing with a
 * clear error when that one cannot load). Returns the backend that runs.
 */
export async function selectTrainingBackend(prefer?: TrainingBackend): Promise<TrainingBackend> {
  const order: TrainingBackend[] = prefer ? [prefer] : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  for (const b of order) {
    let ok = false;
    if (b === 'tensorflow-gpu') ok = (await tryImport('@tensorflow/tfjs-node-gpu')) && (await trySetBackend('tensorflow'));
    else if (b === 'tensorflow') ok = (await tryImport('@tensorflow/tfjs-node')) && (await trySetBackend('tensorflow'));
    else if (b === 'wasm') ok = (await tryImport('@tensorflow/tfjs-backend-wasm')) && (await trySetBackend('wasm'));
    else ok = await trySetBackend('cpu');
    if (ok) {
      log.info({ backend: b }, `training backend: ${b}${prefer ? '' : ' (the first of tfjs-node-gpu, tfjs-node, wasm, cpu that loads)'}`);
      return b;
    }
    if (prefer) throw new Error(`training backend "${prefer}" cannot be loaded here`);
    log.debug({ backend: b }, 'training backend not available');
  }
  throw new Error('no tfjs backend could be initialised');
}

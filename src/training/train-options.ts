/**
 * Options of a training run (`ssd-stream train`), validated once against a closed schema and
 * frozen; every default lives here with its unit.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const trainOptionsSchema = z
  .object({
    /** Dataset folder or importable annotation file. */
    data: z.string().min(1),
    /** Separate validation data; otherwise a split of `data` by video segment. */
    valData: z.string().min(1).optional(),
    /** Class map (`a,b=c|d`); default: every class of the dataset. */
    classes: z.string().min(1).optional(),
    /** `face` or a checkpoint path. */
    base: z.string().min(1).default('face'),
    /** Output folder of the run. */
    out: z.string().min(1),
    epochs: z.number().int().min(1).default(30),
    batch: z.number().int().min(1).max(256).default(8),
    /** Peak learning rate (after warm-up). */
    lr: z.number().positive().default(0.01),
    optimizer: z.enum(['sgd', 'adam']).default('sgd'),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(5e-4),
    /** Global gradient-norm clip (0: off). */
    clipNorm: z.number().min(0).default(10),
    /** Warm-up length, epochs (fractions allowed). */
    warmupEpochs: z.number().min(0).default(1),
    /** Final learning rate as a fraction of `lr` (cosine end). */
    minLrRatio: z.number().min(0).max(1).default(0.02),
    /** Square input size for `--base face` (px, multiple of 32). */
    inputSize: z.number().int().min(64).optional(),
    /**
     * Augmented variants of each training picture whose features are cached (the first is the
     * plain resize). Epochs cycle through them.
     */
    variants: z.number().int().min(1).max(32).default(3),
    /** Epoch (1-based) from which every layer trains; unset: only the heads ever train. */
    unfreezeEpoch: z.number().int().min(1).optional(),
    /** Fraction of images in val when `valData` is absent. */
    valFraction: z.number().min(0).max(0.9).default(0.2),
    /** Loss: hard negatives per positive. */
    negPosRatio: z.number().positive().default(3),
    /** Loss weight of localisation. */
    alpha: z.number().positive().default(1),
    seed: z.number().int().default(1),
    /** Continue `out/last` (weights, optimiser state, epoch). */
    resume: z.boolean().default(false),
    /** Write augmented samples with boxes drawn to `out/preview/`. */
    preview: z.boolean().default(false),
    /** tfjs backend (default: the best that loads). */
    backend: z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).optional(),
    /** Show the progress bar (a TTY needed too). */
    progress: z.boolean().default(true),
    /** Export `out/best.onnx` (with parity check) at the end. */
    exportBest: z.boolean().default(true),
    /** ONNX Runtime threads of the feature extractor (default: all cores). */
    threads: z.number().int().min(1).optional(),
  })
  .strict();

/** Validated run options. */
export type TrainOptions = z.infer<typeof trainOptionsSchema>;
/** Run options as written by callers. */
export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;

/** Validates options; throws a `ConfigError` naming the first bad option. */
export function parseTrainOptions(input: TrainOptionsInput): Readonly<TrainOptions> {
  const r = trainOptionsSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(`train.${i.path.join('.') || '(options)'}`, i.message);
  }
  return Object.freeze(r.data);
}

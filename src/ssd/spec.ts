/**
 * The model spec: everything needed to turn a model's raw outputs into detections, and to
 * train or export that model again. It travels inside every ssd-stream ONNX model
 * (`metadata_props` key {@link SPEC_METADATA_KEY}) and in `<model>.ssd.json` sidecars for models
 * users bring. Training writes it, inference reads it; nothing is configured twice.
 */
import { z } from 'zod';

/** ONNX `metadata_props` key that holds the JSON spec. */
export const SPEC_METADATA_KEY = 'ssd_stream.spec';

const positive = z.number().positive();
const size2 = z.tuple([z.number().int().positive(), z.number().int().positive()]);

/**
 * SSD paper generator (Liu et al. 2016, §2.2 "Choosing scales and aspect ratios"):
 * `s_k` linear in [minScale, maxScale] over the layers, ratio-1 box plus the extra
 * `sqrt(s_k s_k+1)` box, and each listed ratio r with its reciprocal 1/r when `flip`.
 */
export const ssdPaperAnchorsSchema = z
  .object({
    type: z.literal('ssd'),
    /** `[height, width]` of each feature map, in prediction-head order. */
    featureMaps: z.array(size2).min(1),
    minScale: positive,
    maxScale: positive,
    /** Per layer, ratios other than 1 (e.g. `[2]`, `[2, 3]`). */
    aspectRatios: z.array(z.array(positive)),
    /** Add 1/r for each listed r (the paper's {2, 3, 1/2, 1/3}). */
    flip: z.boolean().default(true),
    /** Clip anchors to [0,1]. */
    clip: z.boolean().default(false),
  })
  .strict();

/**
 * The TF Object Detection API `multiple_grid_anchor_generator` / `ssd_anchor_generator`
 * (the layout of `ssd_mobilenet_v1_coco` and of face-api's SSD).
 */
export const tfGridAnchorsSchema = z
  .object({
    type: z.literal('tf-grid'),
    /** `[height, width]` of each feature map, in prediction-head order. */
    featureMaps: z.array(size2).min(1),
    minScale: positive.default(0.2),
    maxScale: positive.default(0.95),
    aspectRatios: z.array(positive).default([1, 2, 0.5, 3, 1 / 3]),
    interpolatedScaleAspectRatio: z.number().nonnegative().default(1),
    /** The lowest layer gets only (0.1, 1), (s0, 2), (s0, 0.5). */
    reduceBoxesInLowestLayer: z.boolean().default(true),
    baseAnchorSize: z.tuple([positive, positive]).default([1, 1]),
  })
  .strict();

/** torchvision `DefaultBoxGenerator` (SSD300 VGG16, SSDlite320 MobileNetV3). */
export const torchvisionAnchorsSchema = z
  .object({
    type: z.literal('torchvision'),
    /** `[height, width]` of each feature map, in prediction-head order. */
    featureMaps: z.array(size2).min(1),
    aspectRatios: z.array(z.array(positive)),
    minRatio: positive.default(0.15),
    maxRatio: positive.default(0.9),
    scales: z.array(positive).optional(),
    steps: z.array(positive).optional(),
    clip: z.boolean().default(true),
  })
  .strict();

export const anchorSpecSchema = z.discriminatedUnion('type', [
  ssdPaperAnchorsSchema,
  tfGridAnchorsSchema,
  torchvisionAnchorsSchema,
]);
export type AnchorSpec = z.infer<typeof anchorSpecSchema>;
export type AnchorSpecInput = z.input<typeof anchorSpecSchema>;

/**
 * Centre-size box coding with variances. `order` is the order of the four encoded values:
 * torchvision and the SSD paper use `xywh` (dx, dy, dw, dh); the TF OD API uses `yxhw`.
 * `variances` are per encoded slot in that order; TF's scale factors 10/10/5/5 are variances
 * 0.1/0.1/0.2/0.2.
 */
export const boxCoderSpecSchema = z
  .object({
    order: z.enum(['xywh', 'yxhw']).default('xywh'),
    variances: z.tuple([positive, positive, positive, positive]).default([0.1, 0.1, 0.2, 0.2]),
    /** Clamp of the encoded log-size before exp (torchvision: log(1000/16)). */
    maxLogSize: positive.optional(),
  })
  .strict();
export type BoxCoderSpec = z.infer<typeof boxCoderSpecSchema>;

/**
 * How the model takes its picture. ssd-stream models take `uint8-nhwc` and normalise inside the
 * graph; models users bring may take float NCHW, normalised as `(pixel * pixelScale - mean) / std`.
 */
export const inputSpecSchema = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    format: z.enum(['uint8-nhwc', 'float32-nhwc', 'float32-nchw']).default('uint8-nhwc'),
    /**
     * `stretch` scales the source to width × height; `pad` keeps the aspect ratio and fills the
     * rest with black (face-api pads to a square this way).
     */
    resize: z.enum(['stretch', 'pad']).default('stretch'),
    /** Where the picture sits inside the padded input. */
    padAlign: z.enum(['top-left', 'center']).default('top-left'),
    pixelScale: positive.default(1 / 255),
    mean: z.tuple([z.number(), z.number(), z.number()]).default([0, 0, 0]),
    std: z.tuple([positive, positive, positive]).default([1, 1, 1]),
  })
  .strict();
export type InputSpec = z.infer<typeof inputSpecSchema>;

/** Default post-processing; a pipeline or CLI option can override each. */
export const postprocessSpecSchema = z
  .object({
    scoreThreshold: z.number().min(0).max(1).default(0.5),
    iouThreshold: z.number().min(0).max(1).default(0.45),
    /** Candidates per class kept before NMS. */
    preNmsTopK: z.number().int().positive().default(400),
    maxDetections: z.number().int().positive().default(100),
    nms: z.enum(['hard', 'soft-linear', 'soft-gaussian', 'diou']).default('hard'),
    /** Gaussian Soft-NMS sigma. */
    softSigma: positive.default(0.5),
  })
  .strict();
export type PostprocessSpec = z.infer<typeof postprocessSpecSchema>;

export const modelSpecSchema = z
  .object({
    /** Schema version of this spec. */
    version: z.literal(1).default(1),
    name: z.string().min(1),
    input: inputSpecSchema,
    /** Class names indexed by class id (= score column); includes the background entry. */
    labels: z.array(z.string()).min(1),
    /** Score column of the background class, or null when there is none. */
    backgroundIndex: z.number().int().nonnegative().nullable().default(0),
    scoreActivation: z.enum(['softmax', 'sigmoid', 'none']).default('softmax'),
    anchors: anchorSpecSchema,
    boxCoder: boxCoderSpecSchema.default({ order: 'xywh', variances: [0.1, 0.1, 0.2, 0.2] }),
    postprocess: postprocessSpecSchema.default({
      scoreThreshold: 0.5,
      iouThreshold: 0.45,
      preNmsTopK: 400,
      maxDetections: 100,
      nms: 'hard',
      softSigma: 0.5,
    }),
  })
  .strict();

/** A validated model spec (all defaults filled). */
export type ModelSpec = z.infer<typeof modelSpecSchema>;
/** A spec as written by hand (defaults optional). */
export type ModelSpecInput = z.input<typeof modelSpecSchema>;

/** A partial spec as found in a sidecar that only overrides or completes a model's own spec. */
export const partialModelSpecSchema = modelSpecSchema.partial();
export type PartialModelSpec = z.input<typeof partialModelSpecSchema>;

/**
 * Validates a spec. Throws a plain `Error` listing every offending path; callers wrap it in
 * the error class that names the file or model at fault (`src/ssd` imports nothing else).
 */
export function parseModelSpec(value: unknown): ModelSpec {
  const r = modelSpecSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid model spec: ${issues.join('; ')}`);
  }
  return Object.freeze(r.data) as ModelSpec;
}

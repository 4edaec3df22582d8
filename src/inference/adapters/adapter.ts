/**
 * What a model adapter is: it recognises one family of SSD output layouts from a model's inputs
 * and outputs, completes the model spec with that family's defaults, feeds rgb24 pictures in the
 * form the model takes, and turns one image's outputs into selected detections.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { RawDetections } from '../../ssd/postprocess.js';
import type { ModelSpec, PostprocessSpec } from '../../ssd/spec.js';
import type { ModelIo } from '../model-io.js';
import type { ModelSpecSources } from '../model-spec.js';

/** The adapter families (stable names: logs, `Detector.adapter`, the docs). */
export type AdapterName =
  | 'ssd-stream'
  | 'tf-od-api'
  | 'torchvision-raw'
  | 'torchvision-postprocessed'
  | 'onnx-zoo-ssd-resnet34';

/** Everything an adapter needs to bind to one loaded model. */
export interface BindContext {
  io: ModelIo;
  sources: ModelSpecSources;
  /** Caller's post-processing overrides (`DetectorOptions.postprocess`), highest priority. */
  postprocess?: Partial<PostprocessSpec>;
}

/** A family of model layouts. */
export interface ModelAdapter {
  readonly name: AdapterName;
  /** One line: the inputs and outputs this family has (listed when no adapter matches). */
  readonly expects: string;
  /** True when the model's inputs and outputs have this family's layout. */
  matches(io: ModelIo): boolean;
  /** Resolves the spec and prepares the per-batch work. Throws SPEC_INVALID / MODEL_LAYOUT. */
  bind(ctx: BindContext): BoundModel;
}

/** An adapter bound to one model: the feed and selection steps of every batch. */
export interface BoundModel {
  readonly adapter: AdapterName;
  readonly spec: ModelSpec;
  /**
   * The batch size the graph fixes (1 for models without a batch axis), or undefined when the
   * batch axis is dynamic.
   */
  readonly fixedBatch: number | undefined;
  /**
   * Inputs of one `session.run` for `images` (each rgb24 HWC at spec.input size). A model with a
   * fixed batch larger than `images.length` gets zero pictures in the spare slots.
   */
  feeds(images: readonly Uint8Array[]): InferenceSession.FeedsType;
  /**
   * Detections of image `index` of a batch of `batch`, boxes xyxy normalised to the model
   * input, score-descending.
   */
  select(outputs: InferenceSession.ReturnType, index: number, batch: number): RawDetections;
}

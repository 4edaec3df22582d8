/**
 * The adapter registry and the choice of adapter for a model. The order matters only where
 * layouts could overlap: ssd-stream and torchvision post-processed both have `boxes` and
 * `scores`, and are told apart by the input type and the `labels` output.
 */
import { ErrorCodes, SsdsError } from '../../errors.js';
import { describeIo, type ModelIo } from '../model-io.js';
import type { ModelAdapter } from './adapter.js';
import { ssdStreamAdapter } from './ssd-stream.js';
import { tfOdApiAdapter } from './tf-od-api.js';
import { torchvisionPostprocessedAdapter } from './torchvision-postprocessed.js';
import { torchvisionRawAdapter } from './torchvision-raw.js';
import { zooSsdResnet34Adapter } from './zoo-ssd-resnet34.js';

export type { AdapterName, BindContext, BoundModel, ModelAdapter } from './adapter.js';

/** Every adapter, in matching order. */
export const ADAPTERS: readonly ModelAdapter[] = Object.freeze([
  ssdStreamAdapter,
  tfOdApiAdapter,
  torchvisionRawAdapter,
  torchvisionPostprocessedAdapter,
  zooSsdResnet34Adapter,
]);

/**
 * The adapter whose layout the model has. Throws MODEL_LAYOUT listing the model's inputs and
 * outputs and what each adapter expects.
 */
export function selectAdapter(io: ModelIo, modelPath: string): ModelAdapter {
  const found = ADAPTERS.find((a) => a.matches(io));
  if (found) return found;
  throw new SsdsError(
    ErrorCodes.MODEL_LAYOUT,
    `${modelPath}: no adapter matches this model's layout. The model has ${describeIo(io)}. Expected one of: ${ADAPTERS.map(
      (a) => a.expects,
    ).join(' | ')}`,
  );
}

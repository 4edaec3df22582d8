/**
 * Folds an inference-mode batch norm into the convolution before it:
 * `y = γ (conv(x) + b − μ) / √(σ² + ε) + β` becomes `conv'(x) + b'` with
 * `k' = k · s`, `b' = (b − μ) · s + β`, `s = γ / √(σ² + ε)` per output channel.
 * The ONNX writer takes folded layers only, so training exports and the face-api conversion
 * both fold here.
 */
import type { WeightTensor } from './ssd-network.js';

/** Batch-norm parameters of one layer (moving statistics), one value per output channel. */
export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * Returns the folded kernel and bias. The kernel is tfjs HWIO `[k, k, I, O]` or HWC1
 * `[k, k, C, 1]`; in both the output channel of element `i` is `i % channels`.
 * @param bias conv bias `[channels]`, or undefined for a conv without one
 */
export function foldBatchNorm(kernel: WeightTensor, bias: Float32Array | undefined, bn: BatchNormParams): { kernel: WeightTensor; bias: WeightTensor } {
  const c = bn.gamma.length;
  const depthwise = kernel.shape[3] === 1 && kernel.shape[2] === c;
  const channels = depthwise ? kernel.shape[2] : kernel.shape[3];
  if (channels !== c || bn.beta.length !== c || bn.mean.length !== c || bn.variance.length !== c) {
    throw new RangeError(`foldBatchNorm: kernel [${kernel.shape.join(',')}] has ${channels} output channels, batch norm has ${c}`);
  }
  const scale = new Float64Array(c);
  const b = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = bn.gamma[ch] / Math.sqrt(bn.variance[ch] + bn.epsilon);
    b[ch] = ((bias ? bias[ch] : 0) - bn.mean[ch]) * scale[ch] + bn.beta[ch];
  }
  const k = new Float32Array(kernel.data.length);
  for (let i = 0; i < k.length; i++) k[i] = kernel.data[i] * scale[i % c];
  return { kernel: { shape: [...kernel.shape], data: k }, bias: { shape: [c], data: b } };
}

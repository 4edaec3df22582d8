/**
 * The inputs and outputs of a loaded model, as plain data: what adapters match on and what the
 * "no adapter matches" error lists. Names are compared without the `:0` suffix that tf2onnx keeps
 * from TensorFlow (`detection_boxes:0`).
 */
import type { InferenceSession } from 'onnxruntime-node';

/** One input or output: its graph name, element type and shape (symbolic dims as strings). */
export interface TensorInfo {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

/** All inputs and outputs of a model, in graph order. */
export interface ModelIo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** Reads the inputs and outputs of an ONNX Runtime session. */
export function ioFromSession(session: InferenceSession): ModelIo {
  const conv = (m: InferenceSession.ValueMetadata): TensorInfo =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: 'non-tensor', shape: [] };
  return { inputs: session.inputMetadata.map(conv), outputs: session.outputMetadata.map(conv) };
}

/** A tensor name without TensorFlow's `:0` output-index suffix. */
export function baseName(name: string): string {
  return name.replace(/:\d+$/, '');
}

/** The tensor whose base name is `name`, if any. */
export function findTensor(list: readonly TensorInfo[], name: string): TensorInfo | undefined {
  return list.find((t) => baseName(t.name) === name);
}

/** `name: type [d0,d1,...]`, the way errors show a tensor. */
export function describeTensor(t: TensorInfo): string {
  return `${t.name}: ${t.type} [${t.shape.join(',')}]`;
}

/** `inputs (...) → outputs (...)`, the way errors show a model. */
export function describeIo(io: ModelIo): string {
  return `inputs (${io.inputs.map(describeTensor).join('; ')}) → outputs (${io.outputs
    .map(describeTensor)
    .join('; ')})`;
}

/** A dimension as a number when the model fixes it, otherwise undefined. */
export function fixedDim(t: TensorInfo, axis: number): number | undefined {
  const d = t.shape[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

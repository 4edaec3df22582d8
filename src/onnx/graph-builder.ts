/**
 * A small ONNX graph builder: declare inputs, add initializers and nodes (each call returns the
 * name of its output so graphs read like the forward pass), declare outputs, then `toBytes()`.
 * Names are made unique by the builder, so callers can reuse readable prefixes.
 */
import {
  encodeModel,
  OnnxDataType,
  type AttributeValue,
  type Dim,
  type NodeProto,
  type OnnxDataTypeCode,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';

/** Element types the builder accepts for inputs, outputs, casts and initializers. */
export type ElemType = 'float32' | 'uint8' | 'int8' | 'int64' | 'int32' | 'bool';

const ELEM_CODE: Record<ElemType, OnnxDataTypeCode> = {
  float32: OnnxDataType.FLOAT,
  uint8: OnnxDataType.UINT8,
  int8: OnnxDataType.INT8,
  int64: OnnxDataType.INT64,
  int32: OnnxDataType.INT32,
  bool: OnnxDataType.BOOL,
};

/** ONNX `TensorProto.DataType` code of an element type (the `to` of a `Cast`). */
export function onnxTypeCode(t: ElemType): OnnxDataTypeCode {
  return ELEM_CODE[t];
}

/**
 * An attribute as written at a call site: integers become INT(S), other numbers FLOAT(S);
 * `{ float: 1 }` / `{ floats: [...] }` force floats for integral values.
 */
export type AttrInput =
  | number
  | string
  | readonly number[]
  | { float: number }
  | { floats: readonly number[] }
  | { tensor: TensorProto };

function toAttribute(name: string, v: AttrInput): AttributeValue {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  }
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    const arr = v as readonly number[];
    return arr.every(Number.isInteger) ? { type: 'ints', value: arr } : { type: 'floats', value: arr };
  }
  if ('float' in v) return { type: 'float', value: v.float };
  if ('floats' in v) return { type: 'floats', value: v.floats };
  if ('tensor' in v) return { type: 'tensor', value: v.tensor };
  throw new TypeError(`attribute ${name}: unsupported value`);
}

function bytesOf(data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array): Uint8Array {
  // ONNX raw_data is little-endian; every platform Node runs on is little-endian too.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/** Options of {@link GraphBuilder.toBytes}. */
export interface ModelOptions {
  /** Default-domain opset version (13 and 17 are what the project writes). */
  opset?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Written as `metadata_props`, in insertion order. */
  metadata?: Record<string, string>;
}

/** Builds one ONNX graph. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();

  constructor(readonly name = 'graph') {}

  /** A fresh value name starting with `base` (suffix `_1`, `_2` ... only on collision). */
  uniqueName(base: string): string {
    let n = base;
    for (let i = 1; this.used.has(n); i++) n = `${base}_${i}`;
    this.used.add(n);
    return n;
  }

  /** Declares a graph input; a string dim is symbolic (dynamic). Returns its name. */
  input(name: string, type: ElemType, shape: readonly Dim[]): string {
    if (this.used.has(name)) throw new Error(`graph input ${name}: name already used`);
    this.used.add(name);
    this.inputs.push({ name, elemType: ELEM_CODE[type], shape });
    return name;
  }

  /**
   * Declares `value` as a graph output called `name`; an `Identity` renames it when the value
   * has another name already.
   */
  output(value: string, name: string, type: ElemType, shape: readonly Dim[]): void {
    let v = value;
    if (value !== name) {
      if (this.used.has(name)) throw new Error(`graph output ${name}: name already used`);
      this.used.add(name);
      this.nodes.push({
        opType: 'Identity',
        name: `${name}_identity`,
        inputs: [value],
        outputs: [name],
        attributes: new Map(),
      });
      v = name;
    }
    this.outputs.push({ name: v, elemType: ELEM_CODE[type], shape });
  }

  /** Adds a float32 initializer (a constant weight). Returns its name. */
  float(name: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.tensor(name, 'float32', dims, arr);
  }

  /** Adds an int64 initializer (shapes, axes, starts/ends). Returns its name. */
  int64(name: string, dims: readonly number[], data: readonly number[]): string {
    return this.tensor(name, 'int64', dims, BigInt64Array.from(data.map((x) => BigInt(x))));
  }

  /** Adds a uint8 initializer. Returns its name. */
  uint8(name: string, dims: readonly number[], data: Uint8Array | readonly number[]): string {
    const arr = data instanceof Uint8Array ? data : Uint8Array.from(data);
    return this.tensor(name, 'uint8', dims, arr);
  }

  /** Adds an initializer of any supported element type. Returns its (unique) name. */
  tensor(
    name: string,
    type: ElemType,
    dims: readonly number[],
    data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array,
  ): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new Error(`initializer ${name}: ${data.length} values for shape [${dims.join(',')}]`);
    }
    const n = this.uniqueName(name);
    this.initializers.push({ name: n, dataType: ELEM_CODE[type], dims: [...dims], rawData: bytesOf(data) });
    return n;
  }

  /**
   * Adds a node. `outputs` is a count (names are generated from the op type) or explicit
   * names. Returns the output names.
   */
  nodeN(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrInput> = {},
    outputs: number | readonly string[] = 1,
    name?: string,
  ): string[] {
    const base = name ?? opType.toLowerCase();
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.uniqueName(outputs === 1 ? base : `${base}_out${i}`))
        : outputs.map((o) => this.uniqueName(o));
    const attributes = new Map<string, AttributeValue>();
    for (const [k, v] of Object.entries(attrs)) attributes.set(k, toAttribute(k, v));
    this.nodes.push({ opType, name: this.uniqueName(`${base}_node`), inputs, outputs: outs, attributes });
    return outs;
  }

  /** Adds a single-output node and returns its output name. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}, name?: string): string {
    return this.nodeN(opType, inputs, attrs, 1, name)[0];
  }

  /** Encodes the graph as a complete ONNX model file. */
  toBytes(opts: ModelOptions = {}): Uint8Array {
    const opset = opts.opset ?? 13;
    return encodeModel({
      // IR 8 goes with opsets up to 18 (onnx 1.13); ONNX Runtime reads it for every opset here.
      irVersion: 8,
      opsetImports: [{ domain: '', version: opset }],
      producerName: opts.producerName ?? 'ssd-stream',
      producerVersion: opts.producerVersion ?? '0.1.0',
      docString: opts.docString,
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
      metadataProps: new Map(Object.entries(opts.metadata ?? {})),
    });
  }
}

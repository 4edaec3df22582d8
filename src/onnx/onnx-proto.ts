/**
 * A minimal ONNX protobuf encoder: the subset of `onnx.proto` (IR version 8) that the project
 * writes — a model with one graph, dense initializers, nodes with attributes, typed inputs and
 * outputs, opset imports and `metadata_props`. Field numbers are those of the official
 * `onnx.proto`; the wire format is written with protobufjs' low-level `Writer` so no schema
 * compilation or reflection is needed at run time.
 */
import protobuf from 'protobufjs/minimal.js';

type Writer = protobuf.Writer;

/** `TensorProto.DataType` values used by the project. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;
/** One of the {@link OnnxDataType} codes. */
export type OnnxDataTypeCode = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** A dense tensor; `rawData` holds little-endian element bytes (the `raw_data` field). */
export interface TensorProto {
  name: string;
  dataType: OnnxDataTypeCode;
  dims: readonly number[];
  rawData: Uint8Array;
}

/** One node attribute, tagged with its ONNX `AttributeType`. */
export type AttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorProto }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] };

/** A node: an operator applied to named values, producing named values. */
export interface NodeProto {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: ReadonlyMap<string, AttributeValue>;
  domain?: string;
}

/** A dimension is a fixed size or a symbolic name (`'N'` for a dynamic batch). */
export type Dim = number | string;

/** A typed graph input or output (tensor element type and shape). */
export interface ValueInfoProto {
  name: string;
  elemType: OnnxDataTypeCode;
  shape: readonly Dim[];
}

/** A graph: nodes in topological order, constant initializers, inputs and outputs. */
export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
}

/** A model file: IR version, opsets, producer, one graph and the metadata key/value pairs. */
export interface ModelProto {
  irVersion: number;
  opsetImports: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphProto;
  metadataProps: ReadonlyMap<string, string>;
}

// Wire types of the protobuf encoding.
const VARINT = 0;
const LEN = 2;
const FIXED32 = 5;

const tag = (field: number, wire: number): number => (field << 3) | wire;

function writeString(w: Writer, field: number, s: string): void {
  w.uint32(tag(field, LEN)).string(s);
}

function writeInt64(w: Writer, field: number, n: number): void {
  w.uint32(tag(field, VARINT)).int64(n);
}

/** Writes a nested message: `fn` fills the forked writer, `ldelim` prefixes its length. */
function writeMessage(w: Writer, field: number, fn: (w: Writer) => void): void {
  w.uint32(tag(field, LEN)).fork();
  fn(w);
  w.ldelim();
}

function writeTensor(w: Writer, t: TensorProto): void {
  // TensorProto: dims = 1 (repeated int64, written unpacked — parsers accept both),
  // data_type = 2, name = 8, raw_data = 9.
  for (const d of t.dims) writeInt64(w, 1, d);
  w.uint32(tag(2, VARINT)).int32(t.dataType);
  writeString(w, 8, t.name);
  w.uint32(tag(9, LEN)).bytes(t.rawData);
}

// AttributeProto.AttributeType codes.
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function writeAttribute(w: Writer, name: string, a: AttributeValue): void {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20.
  writeString(w, 1, name);
  switch (a.type) {
    case 'float':
      w.uint32(tag(2, FIXED32)).float(a.value);
      break;
    case 'int':
      writeInt64(w, 3, a.value);
      break;
    case 'string':
      writeString(w, 4, a.value);
      break;
    case 'tensor':
      writeMessage(w, 5, (m) => writeTensor(m, a.value));
      break;
    case 'floats':
      for (const f of a.value) w.uint32(tag(7, FIXED32)).float(f);
      break;
    case 'ints':
      for (const i of a.value) writeInt64(w, 8, i);
      break;
  }
  w.uint32(tag(20, VARINT)).int32(ATTR_TYPE[a.type]);
}

function writeNode(w: Writer, n: NodeProto): void {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
  for (const i of n.inputs) writeString(w, 1, i);
  for (const o of n.outputs) writeString(w, 2, o);
  writeString(w, 3, n.name);
  writeString(w, 4, n.opType);
  for (const [k, v] of n.attributes) writeMessage(w, 5, (m) => writeAttribute(m, k, v));
  if (n.domain) writeString(w, 7, n.domain);
}

function writeValueInfo(w: Writer, v: ValueInfoProto): void {
  // ValueInfoProto: name = 1, type = 2 → TypeProto.tensor_type = 1 → {elem_type = 1,
  // shape = 2 → TensorShapeProto.dim = 1 → {dim_value = 1 | dim_param = 2}}.
  writeString(w, 1, v.name);
  writeMessage(w, 2, (tp) =>
    writeMessage(tp, 1, (tt) => {
      tt.uint32(tag(1, VARINT)).int32(v.elemType);
      writeMessage(tt, 2, (shape) => {
        for (const d of v.shape) {
          writeMessage(shape, 1, (dim) => {
            if (typeof d === 'number') writeInt64(dim, 1, d);
            else writeString(dim, 2, d);
          });
        }
      });
    }),
  );
}

function writeGraph(w: Writer, g: GraphProto): void {
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  for (const n of g.nodes) writeMessage(w, 1, (m) => writeNode(m, n));
  writeString(w, 2, g.name);
  for (const t of g.initializers) writeMessage(w, 5, (m) => writeTensor(m, t));
  for (const i of g.inputs) writeMessage(w, 11, (m) => writeValueInfo(m, i));
  for (const o of g.outputs) writeMessage(w, 12, (m) => writeValueInfo(m, o));
}

/** Encodes a model to the bytes of an `.onnx` file. */
export function encodeModel(model: ModelProto): Uint8Array {
  // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6,
  // graph = 7, opset_import = 8 (domain = 1, version = 2), metadata_props = 14 (key = 1, value = 2).
  const w = protobuf.Writer.create();
  writeInt64(w, 1, model.irVersion);
  writeString(w, 2, model.producerName);
  writeString(w, 3, model.producerVersion);
  if (model.docString) writeString(w, 6, model.docString);
  writeMessage(w, 7, (m) => writeGraph(m, model.graph));
  for (const op of model.opsetImports) {
    writeMessage(w, 8, (m) => {
      writeString(m, 1, op.domain);
      writeInt64(m, 2, op.version);
    });
  }
  for (const [key, value] of model.metadataProps) {
    writeMessage(w, 14, (m) => {
      writeString(m, 1, key);
      writeString(m, 2, value);
    });
  }
  return w.finish();
}

/**
 * Reads `metadata_props` from an ONNX file without parsing the graph: ONNX Runtime for Node does
 * not expose custom metadata, and the spec of an ssd-stream model lives there
 * (`ssd_stream.spec`). Top-level fields other than 14 are skipped by length, so a 20 MB model is
 * scanned in microseconds.
 */
import protobuf from 'protobufjs/minimal.js';

/** Key/value pairs of `ModelProto.metadata_props` (field 14), in file order. */
export function readOnnxMetadata(bytes: Uint8Array): Map<string, string> {
  const r = protobuf.Reader.create(bytes);
  const out = new Map<string, string>();
  while (r.pos < r.len) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 14 && wire === 2) {
      const end = r.uint32() + r.pos;
      let key = '';
      let value = '';
      while (r.pos < end) {
        const et = r.uint32();
        if (et >>> 3 === 1) key = r.string();
        else if (et >>> 3 === 2) value = r.string();
        else r.skipType(et & 7);
      }
      out.set(key, value);
    } else {
      r.skipType(wire);
    }
  }
  return out;
}

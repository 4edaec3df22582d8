import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxTypeCode } from '../../src/onnx/graph-builder.js';
import { readOnnxMetadata } from '../../src/onnx/onnx-metadata.js';

const hasPythonOnnx =
  spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return (await s.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}

/** Elementwise ops, casts, reshapes and a dynamic batch dim. */
function elementwiseModel(): Uint8Array {
  const g = new GraphBuilder('elementwise');
  const x = g.input('x', 'uint8', ['N', 2, 3]);
  const xf = g.node('Cast', [x], { to: onnxTypeCode('float32') });
  // (x * 0.5 - 1) / 2
  const scaled = g.node('Div', [g.node('Sub', [g.node('Mul', [xf, g.float('half', [], [0.5])]), g.float('one', [], [1])]), g.float('two', [], [2])]);
  const relu = g.node('Relu', [scaled]);
  const clip = g.node('Clip', [scaled, g.float('lo', [], [0]), g.float('hi', [], [6])]);
  const sig = g.node('Sigmoid', [scaled]);
  const soft = g.node('Softmax', [scaled], { axis: -1 });
  const ex = g.node('Exp', [scaled]);
  const tr = g.node('Transpose', [scaled], { perm: [0, 2, 1] }); // (N,3,2)
  const flat = g.node('Reshape', [tr, g.int64('shape', [2], [-1, 6])]); // (N,6)
  const sl = g.node('Slice', [scaled, g.int64('starts', [1], [1]), g.int64('ends', [1], [3]), g.int64('axes', [1], [2])]);
  const [a, b] = g.nodeN('Split', [scaled, g.int64('split', [2], [1, 2])], { axis: 2 }, 2);
  const cat = g.node('Concat', [b, a], { axis: 2 });
  const un = g.node('Unsqueeze', [relu, g.int64('ax', [1], [1])]);
  const add = g.node('Add', [relu, clip]);
  g.output(relu, 'relu', 'float32', ['N', 2, 3]);
  g.output(clip, 'clip', 'float32', ['N', 2, 3]);
  g.output(sig, 'sig', 'float32', ['N', 2, 3]);
  g.output(soft, 'soft', 'float32', ['N', 2, 3]);
  g.output(ex, 'exp', 'float32', ['N', 2, 3]);
  g.output(flat, 'flat', 'float32', ['N', 6]);
  g.output(sl, 'slice', 'float32', ['N', 2, 2]);
  g.output(cat, 'cat', 'float32', ['N', 2, 3]);
  g.output(un, 'unsq', 'float32', ['N', 1, 2, 3]);
  g.output(add, 'add', 'float32', ['N', 2, 3]);
  return g.toBytes({ opset: 13, metadata: { 'ssd_stream.spec': '{"a":1}', other: 'héllo' } });
}

describe('GraphBuilder', () => {
  it('writes elementwise/reshape ops that ONNX Runtime runs with hand-computed results', async () => {
    const bytes = elementwiseModel();
    // Two batch items to exercise the dynamic dim.
    const xs = Uint8Array.from([0, 2, 4, 6, 10, 40, 1, 3, 5, 7, 9, 11]);
    const out = await run(bytes, { x: new ort.Tensor('uint8', xs, [2, 2, 3]) });
    const v = Array.from(xs, (q) => (q * 0.5 - 1) / 2); // -0.5, 0, 0.5, 1, 2, 9.5, ...
    const close = (t: ort.Tensor, want: number[]): void => {
      const got = Array.from(t.data as Float32Array);
      expect(got.length).toBe(want.length);
      // Relative tolerance: exp() of the larger inputs is in the thousands.
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]))));
    };
    close(out.relu, v.map((y) => Math.max(0, y)));
    close(out.clip, v.map((y) => Math.min(6, Math.max(0, y))));
    close(out.sig, v.map((y) => 1 / (1 + Math.exp(-y))));
    close(out.exp, v.map((y) => Math.exp(y)));
    close(out.add, v.map((y) => Math.max(0, y) + Math.min(6, Math.max(0, y))));
    const soft: number[] = [];
    for (let r = 0; r < 4; r++) {
      const row = v.slice(r * 3, r * 3 + 3);
      const m = Math.max(...row);
      const e = row.map((y) => Math.exp(y - m));
      const s = e.reduce((p, q) => p + q, 0);
      soft.push(...e.map((y) => y / s));
    }
    close(out.soft, soft);
    // Transpose (N,2,3)->(N,3,2) then flatten: per item [v0,v3,v1,v4,v2,v5].
    close(out.flat, [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11].map((i) => v[i]));
    close(out.slice, [1, 2, 4, 5, 7, 8, 10, 11].map((i) => v[i]));
    close(out.cat, [1, 2, 0, 4, 5, 3, 7, 8, 6, 10, 11, 9].map((i) => v[i]));
    expect(out.unsq.dims).toEqual([2, 1, 2, 3]);
  });

  it('writes Conv with bias, groups and explicit pads', async () => {
    const g = new GraphBuilder('conv');
    const x = g.input('x', 'float32', ['N', 2, 4, 4]);
    // Depthwise 3x3 (group 2), stride 2, pads [0,0,1,1]: TF "same" for an even input.
    const w = g.float('w', [2, 1, 3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
    const bias = g.float('b', [2], [10, 20]);
    const y = g.node('Conv', [x, w, bias], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], group: 2 });
    g.output(y, 'y', 'float32', ['N', 2, 2, 2]);
    const xs = Float32Array.from({ length: 32 }, (_, i) => i);
    const out = await run(g.toBytes({ opset: 17 }), { x: new ort.Tensor('float32', xs, [1, 2, 4, 4]) });
    // Output (i,j) sees rows/cols 2i..2i+2 / 2j..2j+2 of the input zero-padded bottom/right.
    // Channel 0 (values 0..15, identity diagonal): 0+5+10, 2+7, 8+13, 10+15; bias 10.
    // Channel 1 (values 16..31, 2 × centre): 2*21, 2*23, 2*29, 2*31; bias 20.
    expect(Array.from(out.y.data as Float32Array)).toEqual([25, 19, 31, 35, 62, 66, 78, 82]);
  });

  it('round-trips metadata_props', () => {
    const meta = readOnnxMetadata(elementwiseModel());
    expect([...meta.entries()]).toEqual([
      ['ssd_stream.spec', '{"a":1}'],
      ['other', 'héllo'],
    ]);
  });

  it('rejects initializers whose data does not fill the shape', () => {
    const g = new GraphBuilder();
    expect(() => g.float('w', [2, 2], [1, 2, 3])).toThrow(/initializer w/);
  });

  describe.skipIf(!hasPythonOnnx)('onnx.checker (python3-onnx)', () => {
    it('accepts the written model', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ssds-onnx-'));
      const file = join(dir, 'm.onnx');
      writeFileSync(file, elementwiseModel());
      const res = execFileSync('/usr/bin/python3', [
        '-c',
        'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.metadata_props[0].key)',
        file,
      ]).toString();
      expect(res.trim()).toBe('ssd_stream.spec');
    });
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createMobilenetV1Ssd, type MobilenetV1SsdOptions } from '../../src/models/mobilenet-v1-ssd.js';
import { NETWORK_INPUT, samePadding, type ConvLayer, type SsdNetwork } from '../../src/models/ssd-network.js';
import { readOnnxMetadata } from '../../src/onnx/onnx-metadata.js';
import { buildSsdOnnx } from '../../src/onnx/ssd-graph.js';
import { decodeBoxes } from '../../src/ssd/box-coder.js';
import { generateDefaultBoxes } from '../../src/ssd/default-boxes.js';
import { parseModelSpec, SPEC_METADATA_KEY } from '../../src/ssd/spec.js';

const hasPythonOnnx = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

/** A feature map in the test's reference forward pass: (H, W, C) row-major. */
interface Fm {
  h: number;
  w: number;
  c: number;
  d: Float64Array;
}

/** Direct TF-semantics convolution (NHWC, HWIO / HWC1 kernels, `same` padding) in float64. */
function refConv(x: Fm, l: ConvLayer, net: SsdNetwork): Fm {
  const k = net.weights.get(`${l.name}/kernel`)!.data;
  const b = net.weights.get(`${l.name}/bias`)!.data;
  const ph = samePadding(x.h, l.kernel, l.stride);
  const pw = samePadding(x.w, l.kernel, l.stride);
  const out: Fm = { h: ph.out, w: pw.out, c: l.outChannels, d: new Float64Array(ph.out * pw.out * l.outChannels) };
  for (let oy = 0; oy < out.h; oy++)
    for (let ox = 0; ox < out.w; ox++)
      for (let o = 0; o < out.c; o++) {
        let s = b[o];
        for (let ky = 0; ky < l.kernel; ky++) {
          const iy = oy * l.stride + ky - ph.begin;
          if (iy < 0 || iy >= x.h) continue;
          for (let kx = 0; kx < l.kernel; kx++) {
            const ix = ox * l.stride + kx - pw.begin;
            if (ix < 0 || ix >= x.w) continue;
            if (l.kind === 'depthwise') {
              s += x.d[(iy * x.w + ix) * x.c + o] * k[(ky * l.kernel + kx) * x.c + o];
            } else {
              for (let i = 0; i < x.c; i++) s += x.d[(iy * x.w + ix) * x.c + i] * k[((ky * l.kernel + kx) * x.c + i) * out.c + o];
            }
          }
        }
        if (l.activation === 'relu6') s = Math.min(6, Math.max(0, s));
        else if (l.activation === 'relu') s = Math.max(0, s);
        out.d[(oy * out.w + ox) * out.c + o] = s;
      }
  return out;
}

/** Reference raw heads of one image: encodings (A, 4) and logits (A, C). */
function refForward(net: SsdNetwork, image: Uint8Array): { enc: number[]; logits: number[] } {
  const { width, height, pixelScale, mean, std } = net.spec.input;
  const x: Fm = { h: height, w: width, c: 3, d: new Float64Array(image.length) };
  for (let i = 0; i < image.length; i++) x.d[i] = (image[i] * pixelScale - mean[i % 3]) / std[i % 3];
  const fms = new Map<string, Fm>([[NETWORK_INPUT, x]]);
  for (const l of net.layers) fms.set(l.name, refConv(fms.get(l.input)!, l, net));
  const enc: number[] = [];
  const logits: number[] = [];
  for (const p of net.predictors) {
    const chain = (layers: ConvLayer[]): Fm => layers.reduce((f, l) => refConv(f, l, net), fms.get(p.source)!);
    // NHWC channel order is (anchor, value), so the flat data is already (cells × anchors, value).
    enc.push(...chain(p.box).d);
    logits.push(...chain(p.cls).d);
  }
  return { enc, logits };
}

function randomImage(n: number, seed: number): Uint8Array {
  const img = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    img[i] = s >>> 24;
  }
  return img;
}

async function check(opts: MobilenetV1SsdOptions): Promise<void> {
  const net = createMobilenetV1Ssd(opts);
  const { width, height } = net.spec.input;
  const c = net.spec.labels.length;
  const bytes = buildSsdOnnx(net, { rawOutputs: true });
  const session = await ort.InferenceSession.create(bytes);
  const batch = 2;
  const px = width * height * 3;
  const images = [randomImage(px, 7), randomImage(px, 99)];
  const input = new Uint8Array(batch * px);
  images.forEach((im, i) => input.set(im, i * px));
  const out = await session.run({ image: new ort.Tensor('uint8', input, [batch, height, width, 3]) });
  await session.release();
  const anchors = generateDefaultBoxes(net.spec.anchors, width, height);
  const a = anchors.length / 4;
  expect(out.boxes.dims).toEqual([batch, a, 4]);
  expect(out.scores.dims).toEqual([batch, a, c]);
  const boxes = out.boxes.data as Float32Array;
  const scores = out.scores.data as Float32Array;
  const encOut = out.box_encodings.data as Float32Array;
  for (let bi = 0; bi < batch; bi++) {
    const ref = refForward(net, images[bi]);
    expect(ref.enc.length).toBe(a * 4);
    let maxRaw = 0;
    ref.enc.forEach((v, i) => (maxRaw = Math.max(maxRaw, Math.abs(v - encOut[bi * a * 4 + i]))));
    expect(maxRaw).toBeLessThan(1e-3);
    const refBoxes = decodeBoxes(Float32Array.from(ref.enc), anchors, net.spec.boxCoder);
    let maxBox = 0;
    refBoxes.forEach((v, i) => (maxBox = Math.max(maxBox, Math.abs(v - boxes[bi * a * 4 + i]))));
    expect(maxBox).toBeLessThan(1e-4);
    let maxScore = 0;
    for (let i = 0; i < a; i++) {
      const row = ref.logits.slice(i * c, i * c + c);
      let probs = row;
      if (net.spec.scoreActivation === 'sigmoid') probs = row.map((z) => 1 / (1 + Math.exp(-z)));
      else if (net.spec.scoreActivation === 'softmax') {
        const m = Math.max(...row);
        const e = row.map((z) => Math.exp(z - m));
        const s = e.reduce((p, q) => p + q, 0);
        probs = e.map((z) => z / s);
      }
      probs.forEach((p, j) => (maxScore = Math.max(maxScore, Math.abs(p - scores[(bi * a + i) * c + j]))));
    }
    expect(maxScore).toBeLessThan(1e-4);
  }
  const spec = parseModelSpec(JSON.parse(readOnnxMetadata(bytes).get(SPEC_METADATA_KEY)!));
  expect(spec).toEqual(net.spec);
}

describe('buildSsdOnnx', () => {
  it('matches a direct float64 forward pass: MobileNetV1-SSD, plain 1×1 heads, sigmoid, yxhw', async () => {
    await check({ widthMultiplier: 0.25, inputSize: 64, labels: ['background', 'a', 'b'], seed: 3 });
  });

  it('matches for SSDlite heads, softmax, xywh coding, normalisation and a non-square input', async () => {
    await check({
      widthMultiplier: 0.25,
      inputSize: [64, 96],
      labels: ['background', 'x'],
      head: 'ssdlite',
      seed: 5,
      spec: {
        scoreActivation: 'softmax',
        boxCoder: { order: 'xywh', variances: [0.1, 0.1, 0.2, 0.2], maxLogSize: Math.log(1000 / 16) },
        input: { width: 96, height: 64, pixelScale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      },
    });
  });

  it.skipIf(!hasPythonOnnx)('passes onnx.checker (full check, strict shape inference) at opset 17', () => {
    const net = createMobilenetV1Ssd({ widthMultiplier: 0.25, inputSize: 96, head: 'ssdlite' });
    const file = join(mkdtempSync(join(tmpdir(), 'ssds-ssd-')), 'ssd.onnx');
    writeFileSync(file, buildSsdOnnx(net, { opset: 17 }));
    const script = [
      'import onnx, sys',
      'from onnx import shape_inference',
      'm = onnx.load(sys.argv[1])',
      'onnx.checker.check_model(m, full_check=True)',
      'mi = shape_inference.infer_shapes(m, strict_mode=True)',
      "print(';'.join(o.name + ':' + ','.join(str(d.dim_value or d.dim_param) for d in o.type.tensor_type.shape.dim) for o in mi.graph.output))",
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', script, file]).toString().trim();
    const a = generateDefaultBoxes(net.spec.anchors, 96, 96).length / 4;
    expect(out).toBe(`boxes:N,${a},4;scores:N,${a},2`);
  });

  it('rejects a network whose weights do not fit, naming the weight', () => {
    const net = createMobilenetV1Ssd({ widthMultiplier: 0.25, inputSize: 64 });
    net.weights.set('head2/box/kernel', { shape: [1, 1, 3, 3], data: new Float32Array(9) });
    expect(() => buildSsdOnnx(net)).toThrow(/head2\/box\/kernel/);
  });
});

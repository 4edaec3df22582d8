/**
 * The pure pieces of src/inference: the candidate-row softmax against the full softmax, the
 * rgb24 → float conversion against the normalisation formula, spec layer merging, and adapter
 * choice from inputs/outputs as ONNX Runtime reports them (including the zoo's `:0` names).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, SsdsError } from '../../src/errors.js';
import { softmaxRows } from '../../src/ssd/activation.js';
import { selectAdapter } from '../../src/inference/adapters/index.js';
import type { ModelIo } from '../../src/inference/model-io.js';
import { mergeSpecLayers } from '../../src/inference/model-spec.js';
import { channelAffine, rgb24ToInterleaved, rgb24ToPlanar } from '../../src/inference/pixel-convert.js';
import { softmaxCandidateRows } from '../../src/inference/threshold-softmax.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('softmaxCandidateRows', () => {
  const rows = 500, cols = 21;
  const rnd = seeded(3);
  const logits = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    // Most rows dominated by the background column, as in a trained detector; every fifth row
    // has one foreground class ahead by a random margin (some pass each threshold, some not).
    const fg = 1 + ((r / 5) % (cols - 1));
    for (let c = 0; c < cols; c++) {
      const boost = r % 5 !== 0 ? (c === 0 ? 8 : 0) : c === fg ? 6 * rnd() : 0;
      logits[r * cols + c] = (rnd() - 0.5) * 4 + boost;
    }
  }
  const full = softmaxRows(logits, rows, cols);
  /** Rows of the full softmax with some foreground score above t. */
  const rowsAbove = (t: number, skip: number | null) =>
    Array.from({ length: rows }, (_, r) => r).filter((r) =>
      Array.from(full.subarray(r * cols, (r + 1) * cols)).some((p, c) => c !== skip && p > t),
    );

  for (const t of [0.01, 0.3, 0.5, 0.9]) {
    it(`threshold ${t}: keeps every row with a score above it, in order, with the full softmax`, () => {
      const kept = softmaxCandidateRows(logits, rows, cols, t, 0);
      const want = rowsAbove(t, 0);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(rows);
      // Exactly the rows that matter: none missing, none extra (margins are ~1e-4 relative).
      expect(Array.from(kept.rows.subarray(0, kept.count))).toEqual(want);
      want.forEach((r, k) => {
        expect(Array.from(kept.scores.subarray(k * cols, (k + 1) * cols))).toEqual(
          Array.from(full.subarray(r * cols, (r + 1) * cols)),
        );
      });
    });
  }

  it('threshold 0 keeps every row; without a skip column the background counts too', () => {
    expect(softmaxCandidateRows(logits, rows, cols, 0, 0).count).toBe(rows);
    const withBg = softmaxCandidateRows(logits, rows, cols, 0.5, null);
    expect(Array.from(withBg.rows.subarray(0, withBg.count))).toEqual(rowsAbove(0.5, null));
    expect(withBg.count).toBeGreaterThan(rows / 2);
  });

  it('reuses the scratch it is given', () => {
    const scratch = { count: 0, rows: new Int32Array(rows), scores: new Float32Array(rows * cols) };
    expect(softmaxCandidateRows(logits, rows, cols, 0.5, 0, scratch)).toBe(scratch);
  });
});

describe('rgb24 → float', () => {
  const spec = { pixelScale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
  const w = 5, h = 3;
  const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 37) % 256);
  const norm = (v: number, c: number) => (v * spec.pixelScale - spec.mean[c]) / spec.std[c];

  it('planar (3,H,W) at an offset', () => {
    const out = new Float32Array(2 + w * h * 3);
    rgb24ToPlanar(rgb, w * h, channelAffine(spec), out, 2);
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++) expect(out[2 + c * w * h + p]).toBeCloseTo(norm(rgb[p * 3 + c], c), 5);
    }
  });

  it('interleaved (H,W,3)', () => {
    const out = new Float32Array(w * h * 3);
    rgb24ToInterleaved(rgb, w * h, channelAffine(spec), out);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(norm(rgb[i], i % 3), 5);
  });
});

describe('mergeSpecLayers', () => {
  it('merges nested objects field by field, replaces anchors and labels, skips undefined', () => {
    const merged = mergeSpecLayers(
      { name: 'a', input: { width: 300, height: 300 }, labels: ['bg', 'x', 'y'], anchors: { type: 'ssd', minScale: 0.2 } },
      undefined,
      { input: { resize: 'pad' }, labels: ['bg', 'z'], anchors: { type: 'torchvision', featureMaps: [[1, 1]] } },
      { postprocess: { scoreThreshold: 0.4 }, name: undefined },
    );
    expect(merged).toEqual({
      name: 'a',
      input: { width: 300, height: 300, resize: 'pad' },
      labels: ['bg', 'z'],
      anchors: { type: 'torchvision', featureMaps: [[1, 1]] },
      postprocess: { scoreThreshold: 0.4 },
    });
  });
});

describe('selectAdapter', () => {
  const t = (name: string, type: string, shape: (number | string)[]) => ({ name, type, shape });
  const cases: [string, ModelIo][] = [
    [
      'ssd-stream',
      { inputs: [t('image', 'uint8', ['N', 512, 512, 3])], outputs: [t('boxes', 'float32', ['N', 5118, 4]), t('scores', 'float32', ['N', 5118, 2])] },
    ],
    [
      'tf-od-api',
      {
        inputs: [t('image_tensor:0', 'uint8', ['unk__1', 'unk__2', 'unk__3', 3])],
        outputs: [
          t('detection_boxes:0', 'float32', ['unk', 100, 4]),
          t('detection_classes:0', 'float32', ['unk', 100]),
          t('detection_scores:0', 'float32', ['unk', 100]),
          t('num_detections:0', 'float32', ['unk']),
        ],
      },
    ],
    [
      'torchvision-raw',
      { inputs: [t('images', 'float32', ['N', 3, 320, 320])], outputs: [t('bbox_regression', 'float32', ['N', 3234, 4]), t('cls_logits', 'float32', ['N', 3234, 91])] },
    ],
    [
      'torchvision-postprocessed',
      {
        inputs: [t('images', 'float32', [3, 320, 320])],
        outputs: [t('boxes', 'float32', ['K', 4]), t('scores', 'float32', ['K']), t('labels', 'int64', ['K'])],
      },
    ],
  ];
  for (const [name, io] of cases) {
    it(`recognises ${name}`, () => expect(selectAdapter(io, 'm.onnx').name).toBe(name));
  }

  it('a float NHWC picture with boxes/scores is not taken for ssd-stream', () => {
    const io: ModelIo = {
      inputs: [t('image', 'float32', ['N', 300, 300, 3])],
      outputs: [t('boxes', 'float32', ['N', 10, 4]), t('scores', 'float32', ['N', 10, 2])],
    };
    let err: unknown;
    try {
      selectAdapter(io, 'x.onnx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SsdsError);
    expect((err as SsdsError).code).toBe(ErrorCodes.MODEL_LAYOUT);
    expect((err as SsdsError).message).toContain('image: float32 [N,300,300,3]');
  });
});

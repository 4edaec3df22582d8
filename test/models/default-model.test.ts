import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_NAME, defaultModelPath, ensureDefaultModel } from '../../src/models/default-model.js';
import { faceSsdMobilenetV1Spec } from '../../src/models/face-ssd-mobilenetv1.js';
import { readOnnxMetadata } from '../../src/onnx/onnx-metadata.js';
import { parseModelSpec, SPEC_METADATA_KEY } from '../../src/ssd/spec.js';

describe('ensureDefaultModel', () => {
  it('builds models/cache/face-ssd-mobilenetv1.onnx atomically and reuses it', async () => {
    const path = await ensureDefaultModel({ force: true });
    expect(path).toBe(defaultModelPath());
    expect(path.endsWith(`models/cache/${DEFAULT_MODEL_NAME}.onnx`)).toBe(true);
    const built = statSync(path).mtimeMs;
    // No temporary file is left beside it.
    expect(readdirSync(dirname(path)).filter((f) => f.startsWith(DEFAULT_MODEL_NAME) && f.endsWith('.tmp'))).toEqual([]);
    // Second call: cached, not rebuilt.
    expect(await ensureDefaultModel()).toBe(path);
    expect(statSync(path).mtimeMs).toBe(built);

    const bytes = readFileSync(path);
    const spec = parseModelSpec(JSON.parse(readOnnxMetadata(bytes).get(SPEC_METADATA_KEY)!));
    expect(spec).toEqual(faceSsdMobilenetV1Spec());
    const session = await ort.InferenceSession.create(path);
    try {
      expect(session.inputNames).toEqual(['image']);
      expect(session.outputNames).toEqual(['boxes', 'scores']);
      // A black picture has no face: every face score stays low.
      const out = await session.run({ image: new ort.Tensor('uint8', new Uint8Array(512 * 512 * 3), [1, 512, 512, 3]) });
      expect(out.boxes.dims).toEqual([1, 5118, 4]);
      expect(out.scores.dims).toEqual([1, 5118, 2]);
      const scores = out.scores.data as Float32Array;
      let maxFace = 0;
      for (let i = 1; i < scores.length; i += 2) maxFace = Math.max(maxFace, scores[i]);
      expect(maxFace).toBeLessThan(0.3);
    } finally {
      await session.release();
    }
  });
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // ONNX Runtime sessions, ffmpeg and Chromium are heavy: two cores, so keep files from
    // fighting each other for them.
    fileParallelism: false,
    pool: 'forks',
  },
});

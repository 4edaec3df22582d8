/**
 * Softmax over class logits that skips the rows no class can pass the score threshold in.
 *
 * Why: a torchvision SSDlite320 has 3234 anchors × 91 classes; a full softmax is ~300k `exp`
 * calls (~5 ms in V8 on this machine, half the 9.8 ms the network itself takes), while the
 * selection after it only looks at scores above the threshold `t`. With `m` the row maximum,
 * `p_c = exp(l_c - m) / Σ_j exp(l_j - m)` and the sum is ≥ 1, so `p_c ≤ exp(l_c - m)`: a class
 * can reach `t` only if `l_c ≥ m + ln t`. Rows where no counted class does are written as zeros
 * after one max pass; the others get exactly the full softmax (same operation order as
 * `softmaxRows` in src/ssd/activation.ts), so selected scores are unchanged.
 */

/**
 * @param logits `(rows, cols)` row-major
 * @param threshold scores below it are not needed (the selection's `scoreThreshold`)
 * @param skipColumn column whose score is never selected (the background), or null
 * @param out `(rows, cols)` receives the probabilities, or 0 in skipped rows
 * @returns number of rows fully computed
 */
export function softmaxRowsAboveThreshold(
  logits: Float32Array,
  rows: number,
  cols: number,
  threshold: number,
  skipColumn: number | null,
  out: Float32Array,
): number {
  if (rows * cols > logits.length || rows * cols > out.length) {
    throw new RangeError(`softmaxRowsAboveThreshold: ${rows}x${cols} exceeds the arrays given`);
  }
  // A hair below ln t so float rounding in exp/sum can never hide a score that reaches t.
  const margin = threshold > 0 ? Math.log(threshold) - 1e-4 : -Infinity;
  let computed = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (logits[base + c] > max) max = logits[base + c];
    const cut = max + margin;
    let reach = false;
    for (let c = 0; c < cols; c++) {
      if (c !== skipColumn && logits[base + c] >= cut) {
        reach = true;
        break;
      }
    }
    if (!reach) {
      out.fill(0, base, base + cols);
      continue;
    }
    computed++;
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(logits[base + c] - max);
      out[base + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) out[base + c] *= inv;
  }
  return computed;
}

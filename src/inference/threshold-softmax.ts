/**
 * Softmax over class logits that keeps only the rows (anchors) in which some class scores above
 * the selection threshold, compacted, so neither `exp` nor the class-wise selection after it
 * touches the thousands of anchors that say "background".
 *
 * Why: a torchvision SSDlite320 has 3234 anchors × 91 classes. A full softmax is ~300k `exp`
 * calls (~5 ms in V8 here, half of the 9.8 ms the network itself takes), and selecting over the
 * dense `(3234, 91)` matrix walks it column by column with a 364-byte stride. Only scores above
 * the threshold `t` can ever be selected.
 *
 * Two exact bounds decide which rows to compute (`m` the row maximum, `d_c = l_c - m ≤ 0`):
 *  - before any `exp`: the sum `S` of `e^{d_j}` holds the maximum's own term 1 and, for a class
 *    that is not the arg-max, its term `e^{d_c}` too, so `p_c = e^{d_c} / S ≤ σ(d_c)`. Such a
 *    class reaches `t` only if `d_c ≥ logit(t)`; the arg-max itself can reach any `t`. So a row
 *    is dropped after one pass (the best counted logit, and the skipped column's) when the best
 *    counted class is neither the maximum nor within `logit(t)` of it.
 *  - while summing: every `p_c ≤ 1 / S_partial`, so once the partial sum passes `1 / t` no class
 *    of the row can reach `t` and the row is dropped.
 * Kept rows get exactly the full softmax (the operation order of `softmaxRows` in
 * src/ssd/activation.ts), so every score that passes the threshold is unchanged, and rows stay
 * in anchor order, so a stable sort downstream breaks ties the same way.
 */

/** Kept rows: `(count, cols)` probabilities and the source row of each. */
export interface CandidateRows {
  count: number;
  /** Row index (anchor) of each kept row, increasing. */
  rows: Int32Array;
  /** `(count, cols)` probabilities, row-major, in the first `count * cols` values. */
  scores: Float32Array;
}

/**
 * @param logits `(rows, cols)` row-major
 * @param threshold the selection's `scoreThreshold`: only scores above it matter
 * @param skipColumn column never selected (the background), or null
 * @param out scratch of capacity `rows` (reused across calls; grown when too small)
 */
export function softmaxCandidateRows(
  logits: Float32Array,
  rows: number,
  cols: number,
  threshold: number,
  skipColumn: number | null,
  out?: CandidateRows,
): CandidateRows {
  if (rows * cols > logits.length) {
    throw new RangeError(`softmaxCandidateRows: ${rows}x${cols} exceeds logits length ${logits.length}`);
  }
  const res: CandidateRows =
    out && out.rows.length >= rows && out.scores.length >= rows * cols
      ? out
      : { count: 0, rows: new Int32Array(rows), scores: new Float32Array(rows * cols) };
  // Margins keep both bounds on the safe side of float rounding: a row is dropped only when
  // no class can come within ~1e-4 (relative) of t.
  const cut = threshold <= 0 ? -Infinity : threshold >= 1 ? Infinity : Math.log(threshold / (1 - threshold)) - 1e-4;
  // A counted class must be the arg-max (d = 0) or have d ≥ cut: whichever is lower.
  const reach = Math.min(0, cut);
  const sumLimit = threshold > 0 ? (1 / threshold) * (1 + 1e-4) : Infinity;
  const keepAbove = Math.fround(threshold) * (1 - 1e-6);
  const skip = skipColumn ?? -1;
  const o = res.scores;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    // One pass for the best counted logit, in two runs around the skipped column so the hot
    // loop has a single compare per value.
    let fgMax = -Infinity;
    const skipAt = skip >= 0 ? base + skip : base + cols;
    for (let i = base; i < skipAt; i++) if (logits[i] > fgMax) fgMax = logits[i];
    for (let i = skipAt + 1; i < base + cols; i++) if (logits[i] > fgMax) fgMax = logits[i];
    const bg = skip >= 0 ? logits[base + skip] : -Infinity;
    const max = fgMax > bg ? fgMax : bg;
    if (fgMax < max + reach) continue;
    const ob = count * cols;
    let sum = 0;
    let c = 0;
    for (; c < cols; c++) {
      const e = Math.exp(logits[base + c] - max);
      o[ob + c] = e;
      sum += e;
      if (sum > sumLimit) break;
    }
    if (c < cols) continue;
    const inv = 1 / sum;
    let best = 0;
    for (let k = 0; k < cols; k++) {
      const p = o[ob + k] * inv;
      o[ob + k] = p;
      if (k !== skip && p > best) best = p;
    }
    if (!(best >= keepAbove) || best === 0) continue;
    res.rows[count++] = r;
  }
  res.count = count;
  return res;
}

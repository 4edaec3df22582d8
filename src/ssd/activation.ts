/**
 * Score activations applied to a model's raw class logits before selection.
 */

/**
 * Softmax over each row of a `(rows, cols)` row-major matrix. Subtracts the row maximum first so
 * large logits do not overflow `exp`. Writes into `out` (which may be `logits`) or a new array.
 */
export function softmaxRows(
  logits: Float32Array,
  rows: number,
  cols: number,
  out?: Float32Array,
): Float32Array {
  if (rows * cols > logits.length) {
    throw new RangeError(`softmaxRows: ${rows}x${cols} exceeds logits length ${logits.length}`);
  }
  const o = out ?? new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (logits[base + c] > max) max = logits[base + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(logits[base + c] - max);
      o[base + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) o[base + c] *= inv;
  }
  return o;
}

/** Logistic sigmoid of every element, in place; returns `x`. */
export function sigmoidInPlace(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    // Split by sign so exp never overflows for large |v|.
    if (v >= 0) {
      x[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      x[i] = e / (1 + e);
    }
  }
  return x;
}

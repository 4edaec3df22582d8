/**
 * The loop every default-box generator shares: one box per cell and per (w, h) pair, cells in
 * row-major order (row, column), pairs in the order given — the (row, column, anchor) layout the
 * prediction heads flatten to.
 */

/** Cell centre along one axis: `(index + 0.5) / cells` for the SSD paper and the TF OD API. */
export const cellCentre = (cells: number) => (index: number): number => (index + 0.5) / cells;

/**
 * Writes `(fh · fw · wh.length / 2, 4)` cx,cy,w,h values into `out` from `o`; returns the next
 * write position.
 * @param wh flat `[w0, h0, w1, h1, ...]` box sizes of one cell
 */
export function tileCells(
  out: Float32Array,
  o: number,
  fh: number,
  fw: number,
  wh: readonly number[],
  centreX: (column: number) => number = cellCentre(fw),
  centreY: (row: number) => number = cellCentre(fh),
): number {
  for (let i = 0; i < fh; i++) {
    const cy = centreY(i);
    for (let j = 0; j < fw; j++) {
      const cx = centreX(j);
      for (let p = 0; p < wh.length; p += 2) {
        out[o++] = cx;
        out[o++] = cy;
        out[o++] = wh[p];
        out[o++] = wh[p + 1];
      }
    }
  }
  return o;
}

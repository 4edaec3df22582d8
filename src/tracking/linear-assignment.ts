/**
 * Optimal (not greedy) linear assignment with a "leave unmatched" option, the way trackers and
 * MOT metrics need it.
 *
 * Semantics (those of `lap.lapjv(cost, extend_cost=True, cost_limit=maxCost)` that ByteTrack
 * uses): a pair `(i, j)` may be matched only when `cost[i, j] ≤ maxCost`; the solution minimises
 * the sum of matched costs plus `maxCost / 2` for every row and every column left unmatched.
 * Leaving a pair unmatched therefore costs `maxCost`, so any allowed pair is worth taking unless a
 * better one competes for it.
 *
 * Why split into components first: in a scene, a track can only match the few detections near it,
 * so the bipartite graph of allowed pairs falls apart into many tiny pieces. Solving each piece
 * with the O(n³) Hungarian method costs almost nothing, where one dense 500×500 problem would
 * cost ~10⁸ steps.
 */

/** Result of {@link solveAssignment}. */
export interface Assignment {
  /** Matched `[row, col]` pairs, sorted by row. */
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Hungarian method with potentials (Kuhn–Munkres, shortest augmenting paths) on a dense
 * (n, m) cost matrix with n ≤ m. Returns, per row, the column assigned to it (every row gets one).
 * O(n² m).
 */
export function hungarianMinCost(cost: Float64Array, n: number, m: number): Int32Array {
  if (n > m) throw new RangeError(`hungarianMinCost needs rows ≤ cols, got ${n}×${m}`);
  // 1-based arrays; index 0 is the virtual start of each augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row matched to column j (0 = none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (p[j] !== 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/** Allowed pairs of a sparse problem: parallel arrays, one entry per pair. */
export interface SparseCosts {
  /** Row of each pair. */
  rows: Int32Array;
  /** Column of each pair. */
  cols: Int32Array;
  /** Cost of each pair (≤ maxCost; others are simply not listed). */
  costs: Float64Array;
  /** Number of pairs used (the arrays may be longer). */
  length: number;
}

/**
 * Solves the gated assignment described in the file comment for a row-major (rows, cols) `cost`
 * matrix. Entries that are not finite or exceed `maxCost` are forbidden.
 */
export function solveAssignment(cost: Float64Array, rows: number, cols: number, maxCost: number): Assignment {
  if (cost.length !== rows * cols) throw new RangeError(`cost has ${cost.length} entries, expected ${rows}×${cols}`);
  let n = 0;
  for (let k = 0; k < cost.length; k++) if (Number.isFinite(cost[k]) && cost[k] <= maxCost) n++;
  const pairs: SparseCosts = { rows: new Int32Array(n), cols: new Int32Array(n), costs: new Float64Array(n), length: n };
  n = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = cost[i * cols + j];
      if (!(Number.isFinite(c) && c <= maxCost)) continue;
      pairs.rows[n] = i;
      pairs.cols[n] = j;
      pairs.costs[n++] = c;
    }
  }
  return solveSparseAssignment(pairs, rows, cols, maxCost);
}

/**
 * Same problem with only the allowed pairs listed — what trackers build after a spatial
 * pre-filter, so far-apart pairs cost nothing at all.
 */
export function solveSparseAssignment(pairs: SparseCosts, rows: number, cols: number, maxCost: number): Assignment {
  // "Unmatched" is priced from maxCost, so an infinite gate would make every sum infinite.
  if (!Number.isFinite(maxCost)) throw new RangeError(`solveAssignment needs a finite maxCost, got ${maxCost}`);
  // Union-find over rows [0, rows) and columns [rows, rows + cols) joined by allowed pairs.
  const parent = new Int32Array(rows + cols);
  for (let k = 0; k < parent.length; k++) parent[k] = k;
  for (let e = 0; e < pairs.length; e++) {
    const a = find(parent, pairs.rows[e]);
    const b = find(parent, rows + pairs.cols[e]);
    if (a !== b) parent[a] = b;
  }
  const rowMatch = new Int32Array(rows).fill(-1);
  const colMatched = new Uint8Array(cols);
  // Components with more than one pair need the Hungarian method; single pairs match directly.
  const compRows = new Map<number, number[]>();
  const compCols = new Map<number, number[]>();
  const compEdges = new Map<number, number[]>();
  for (let e = 0; e < pairs.length; e++) {
    const r = find(parent, pairs.rows[e]);
    (compEdges.get(r) ?? compEdges.set(r, []).get(r)!).push(e);
  }
  for (const [root, edges] of compEdges) {
    if (edges.length === 1) {
      const e = edges[0];
      rowMatch[pairs.rows[e]] = pairs.cols[e];
      colMatched[pairs.cols[e]] = 1;
      compEdges.delete(root);
      continue;
    }
    compRows.set(root, []);
    compCols.set(root, []);
  }
  for (let i = 0; i < rows; i++) compRows.get(find(parent, i))?.push(i);
  for (let j = 0; j < cols; j++) compCols.get(find(parent, rows + j))?.push(j);

  const unmatchedPair = maxCost; // cost of a row and a column both left unmatched
  for (const [root, edges] of compEdges) {
    const rs = compRows.get(root)!;
    const cs = compCols.get(root)!;
    const localRow = new Map(rs.map((r, a) => [r, a]));
    const localCol = new Map(cs.map((c, b) => [c, b]));
    // Square sub-problem: a forbidden pair costs "both unmatched"; a padding row or column
    // stands for "unmatched" at half that.
    const n = Math.max(rs.length, cs.length);
    const sub = new Float64Array(n * n);
    const allowed = new Uint8Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        sub[a * n + b] = a < rs.length && b < cs.length ? unmatchedPair : a < rs.length || b < cs.length ? unmatchedPair / 2 : 0;
      }
    }
    for (const e of edges) {
      const k = localRow.get(pairs.rows[e])! * n + localCol.get(pairs.cols[e])!;
      sub[k] = pairs.costs[e];
      allowed[k] = 1;
    }
    const assign = hungarianMinCost(sub, n, n);
    for (let a = 0; a < rs.length; a++) {
      const b = assign[a];
      if (b < cs.length && allowed[a * n + b]) {
        rowMatch[rs[a]] = cs[b];
        colMatched[cs[b]] = 1;
      }
    }
  }
  const matches: Array<[number, number]> = [];
  const unmatchedRows: number[] = [];
  const unmatchedCols: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (rowMatch[i] >= 0) matches.push([i, rowMatch[i]]);
    else unmatchedRows.push(i);
  }
  for (let j = 0; j < cols; j++) if (!colMatched[j]) unmatchedCols.push(j);
  return { matches, unmatchedRows, unmatchedCols };
}

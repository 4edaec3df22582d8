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

/**
 * Solves the gated assignment described in the file comment for a row-major (rows, cols) `cost`
 * matrix. Entries that are not finite or exceed `maxCost` are forbidden.
 */
export function solveAssignment(cost: Float64Array, rows: number, cols: number, maxCost: number): Assignment {
  // "Unmatched" is priced from maxCost, so an infinite gate would make every sum infinite.
  if (!Number.isFinite(maxCost)) throw new RangeError(`solveAssignment needs a finite maxCost, got ${maxCost}`);
  if (cost.length !== rows * cols) throw new RangeError(`cost has ${cost.length} entries, expected ${rows}×${cols}`);
  const allowed = (i: number, j: number): boolean => {
    const c = cost[i * cols + j];
    return Number.isFinite(c) && c <= maxCost;
  };
  // Union-find over rows [0, rows) and columns [rows, rows + cols) joined by allowed pairs.
  const parent = new Int32Array(rows + cols);
  for (let k = 0; k < parent.length; k++) parent[k] = k;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (!allowed(i, j)) continue;
      const a = find(parent, i);
      const b = find(parent, rows + j);
      if (a !== b) parent[a] = b;
    }
  }
  const compRows = new Map<number, number[]>();
  const compCols = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const r = find(parent, i);
    (compRows.get(r) ?? compRows.set(r, []).get(r)!).push(i);
  }
  for (let j = 0; j < cols; j++) {
    const r = find(parent, rows + j);
    (compCols.get(r) ?? compCols.set(r, []).get(r)!).push(j);
  }

  const rowMatch = new Int32Array(rows).fill(-1);
  const colMatched = new Uint8Array(cols);
  const unmatchedPair = maxCost; // cost of a row and a column both left unmatched
  for (const [root, rs] of compRows) {
    const cs = compCols.get(root);
    if (!cs) continue;
    if (rs.length === 1 && cs.length === 1) {
      rowMatch[rs[0]] = cs[0]; // the only allowed pair of the component
      colMatched[cs[0]] = 1;
      continue;
    }
    // Square sub-problem: a forbidden pair costs "both unmatched"; a padding row or column
    // stands for "unmatched" at half that.
    const n = Math.max(rs.length, cs.length);
    const sub = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let c: number;
        if (a < rs.length && b < cs.length) {
          c = allowed(rs[a], cs[b]) ? cost[rs[a] * cols + cs[b]] : unmatchedPair;
        } else if (a < rs.length || b < cs.length) {
          c = unmatchedPair / 2;
        } else {
          c = 0;
        }
        sub[a * n + b] = c;
      }
    }
    const assign = hungarianMinCost(sub, n, n);
    for (let a = 0; a < rs.length; a++) {
      const b = assign[a];
      if (b < cs.length && allowed(rs[a], cs[b])) {
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

/**
 * Matching ground truth to default boxes (Liu et al. 2016, §2.2 "Matching strategy"): each
 * ground-truth box first takes the default box it overlaps best (so every object gets at least
 * one), then every default box whose best IoU with any ground truth is ≥ `iouThreshold` is
 * matched to that ground truth. The rest are background, except those that overlap an ignore
 * region, which take no part in the loss.
 */
import { iouMatrix } from '../ssd/iou.js';
import { cxcywhToXyxy } from '../ssd/box-format.js';
import { encodeBoxes } from '../ssd/box-coder.js';
import type { BoxCoderSpec } from '../ssd/spec.js';

/** Anchor label meaning "take no part in the loss". */
export const IGNORE_LABEL = -1;

/** Matching thresholds. */
export interface MatchOptions {
  /** Minimum IoU for a default box to be a positive (SSD paper: 0.5). */
  iouThreshold: number;
  /**
   * Unmatched default boxes with at least this fraction of their area inside an ignore region
   * are ignored, not negatives (IoU would undercount a small box inside a large region).
   */
  ignoreCoverage: number;
  /** Class id of the background (the label of unmatched default boxes). */
  backgroundClass: number;
}

/** Defaults with units: IoUs are fractions. */
export const DEFAULT_MATCH_OPTIONS: MatchOptions = { iouThreshold: 0.5, ignoreCoverage: 0.5, backgroundClass: 0 };

/** Training targets of one image. */
export interface MatchTargets {
  /** `(A)` class id per default box; background for negatives, IGNORE_LABEL for ignored ones. */
  labels: Int32Array;
  /** `(A,4)` encoded offsets for positives (zeros elsewhere), in the coder's order. */
  offsets: Float32Array;
  /** `(A)` index of the matched ground truth, -1 when unmatched. */
  matchedGt: Int32Array;
  /** Number of positive default boxes. */
  numPositives: number;
}

/**
 * Matches `gtBoxes` (`(G,4)` xyxy normalised) with class ids `gtClasses` to the default boxes
 * `anchorsCxcywh` (`(A,4)` cxcywh normalised) and encodes the positives' offsets.
 * `ignoreBoxes` (`(R,4)` xyxy) marks regions whose unmatched default boxes are ignored.
 */
export function matchTargets(
  gtBoxes: Float32Array,
  gtClasses: Int32Array,
  anchorsCxcywh: Float32Array,
  coder: BoxCoderSpec,
  opts: MatchOptions = DEFAULT_MATCH_OPTIONS,
  ignoreBoxes?: Float32Array,
): MatchTargets {
  const a = anchorsCxcywh.length >> 2;
  const g = gtBoxes.length >> 2;
  const labels = new Int32Array(a).fill(opts.backgroundClass);
  const matchedGt = new Int32Array(a).fill(-1);
  const offsets = new Float32Array(a * 4);
  const anchorsXyxy = cxcywhToXyxy(anchorsCxcywh);

  if (g > 0) {
    const iou = iouMatrix(gtBoxes, anchorsXyxy); // (G, A)
    // Best ground truth of each default box.
    const bestIou = new Float32Array(a).fill(-1);
    for (let j = 0; j < g; j++) {
      const row = j * a;
      for (let i = 0; i < a; i++) {
        if (iou[row + i] > bestIou[i]) {
          bestIou[i] = iou[row + i];
          matchedGt[i] = j;
        }
      }
    }
    for (let i = 0; i < a; i++) if (bestIou[i] < opts.iouThreshold) matchedGt[i] = -1;
    // Each ground truth keeps its best default box, even below the threshold; a later ground
    // truth wins a contested box (the same tie rule as torchvision's low-quality matches).
    for (let j = 0; j < g; j++) {
      const row = j * a;
      let best = 0;
      for (let i = 1; i < a; i++) if (iou[row + i] > iou[row + best]) best = i;
      if (iou[row + best] > 0) matchedGt[best] = j;
    }
  }

  const matchedBoxes = new Float32Array(a * 4);
  let numPositives = 0;
  for (let i = 0; i < a; i++) {
    const j = matchedGt[i];
    if (j < 0) continue;
    labels[i] = gtClasses[j];
    matchedBoxes.set(gtBoxes.subarray(4 * j, 4 * j + 4), 4 * i);
    numPositives++;
  }
  if (numPositives > 0) {
    const enc = encodeBoxes(matchedBoxes, anchorsCxcywh, coder);
    for (let i = 0; i < a; i++) if (matchedGt[i] >= 0) offsets.set(enc.subarray(4 * i, 4 * i + 4), 4 * i);
  }

  if (ignoreBoxes && ignoreBoxes.length > 0) {
    const r = ignoreBoxes.length >> 2;
    for (let i = 0; i < a; i++) {
      if (matchedGt[i] >= 0) continue;
      const x1 = anchorsXyxy[4 * i], y1 = anchorsXyxy[4 * i + 1], x2 = anchorsXyxy[4 * i + 2], y2 = anchorsXyxy[4 * i + 3];
      const area = (x2 - x1) * (y2 - y1);
      for (let k = 0; k < r; k++) {
        const iw = Math.min(x2, ignoreBoxes[4 * k + 2]) - Math.max(x1, ignoreBoxes[4 * k]);
        const ih = Math.min(y2, ignoreBoxes[4 * k + 3]) - Math.max(y1, ignoreBoxes[4 * k + 1]);
        if (iw > 0 && ih > 0 && (iw * ih) / area >= opts.ignoreCoverage) {
          labels[i] = IGNORE_LABEL;
          break;
        }
      }
    }
  }
  return { labels, offsets, matchedGt, numPositives };
}

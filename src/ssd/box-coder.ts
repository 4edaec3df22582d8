/**
 * Centre-size box coding with variances (SSD paper §2.2 eq. 2; Faster R-CNN's parametrisation):
 *
 *   t_x = (cx − a_cx) / a_w / v_x    t_w = log(w / a_w) / v_w
 *   t_y = (cy − a_cy) / a_h / v_y    t_h = log(h / a_h) / v_h
 *
 * `coder.order` says where each value sits in the 4-vector: `xywh` (torchvision, the SSD paper:
 * dx, dy, dw, dh) or `yxhw` (TF OD API `FasterRcnnBoxCoder`: ty, tx, th, tw). `variances` are per
 * slot in that order; torchvision's weights (10, 10, 5, 5) and TF's scale factors are their
 * reciprocals. `maxLogSize` clamps t_w/t_h (after the variance) before exp, as torchvision's
 * `bbox_xform_clip = log(1000/16)` does, so a wild regression cannot overflow.
 */
import type { BoxCoderSpec } from './spec.js';

type CoderLike = Pick<BoxCoderSpec, 'order' | 'variances'> & { maxLogSize?: number };

function check(name: string, values: Float32Array, anchors: Float32Array, out?: Float32Array): void {
  if (values.length % 4 !== 0 || values.length !== anchors.length) {
    throw new RangeError(
      `${name}: ${values.length / 4} boxes but ${anchors.length / 4} anchors (both must be (A,4))`,
    );
  }
  if (out !== undefined && out.length < values.length) {
    throw new RangeError(`${name}: out has ${out.length} values, needs ${values.length}`);
  }
}

/**
 * Decodes regressions to boxes.
 * @param encoded `(A,4)` in `coder.order`
 * @param anchorsCxcywh `(A,4)` cx,cy,w,h normalised
 * @returns `(A,4)` x1,y1,x2,y2 normalised (not clipped); `out` may alias `encoded`
 */
export function decodeBoxes(
  encoded: Float32Array,
  anchorsCxcywh: Float32Array,
  coder: CoderLike,
  out?: Float32Array,
): Float32Array {
  check('decodeBoxes', encoded, anchorsCxcywh, out);
  const o = out ?? new Float32Array(encoded.length);
  const yx = coder.order === 'yxhw';
  const [v0, v1, v2, v3] = coder.variances;
  // Variances per slot; map them to x/y/w/h once.
  const vx = yx ? v1 : v0, vy = yx ? v0 : v1, vw = yx ? v3 : v2, vh = yx ? v2 : v3;
  const clamp = coder.maxLogSize ?? Infinity;
  for (let i = 0; i < encoded.length; i += 4) {
    const tx = yx ? encoded[i + 1] : encoded[i];
    const ty = yx ? encoded[i] : encoded[i + 1];
    const tw = yx ? encoded[i + 3] : encoded[i + 2];
    const th = yx ? encoded[i + 2] : encoded[i + 3];
    const acx = anchorsCxcywh[i], acy = anchorsCxcywh[i + 1];
    const aw = anchorsCxcywh[i + 2], ah = anchorsCxcywh[i + 3];
    const cx = acx + tx * vx * aw;
    const cy = acy + ty * vy * ah;
    const hw = 0.5 * aw * Math.exp(Math.min(tw * vw, clamp));
    const hh = 0.5 * ah * Math.exp(Math.min(th * vh, clamp));
    o[i] = cx - hw;
    o[i + 1] = cy - hh;
    o[i + 2] = cx + hw;
    o[i + 3] = cy + hh;
  }
  return o;
}

/**
 * Encodes boxes against anchors (the training target). Boxes with zero width or height encode
 * to −Infinity log-size; callers match only real boxes.
 * @param boxesXyxy `(A,4)` x1,y1,x2,y2 normalised, one per anchor
 * @param anchorsCxcywh `(A,4)` cx,cy,w,h normalised
 * @returns `(A,4)` in `coder.order`
 */
export function encodeBoxes(
  boxesXyxy: Float32Array,
  anchorsCxcywh: Float32Array,
  coder: CoderLike,
  out?: Float32Array,
): Float32Array {
  check('encodeBoxes', boxesXyxy, anchorsCxcywh, out);
  const o = out ?? new Float32Array(boxesXyxy.length);
  const yx = coder.order === 'yxhw';
  const [v0, v1, v2, v3] = coder.variances;
  const vx = yx ? v1 : v0, vy = yx ? v0 : v1, vw = yx ? v3 : v2, vh = yx ? v2 : v3;
  for (let i = 0; i < boxesXyxy.length; i += 4) {
    const x1 = boxesXyxy[i], y1 = boxesXyxy[i + 1], x2 = boxesXyxy[i + 2], y2 = boxesXyxy[i + 3];
    const acx = anchorsCxcywh[i], acy = anchorsCxcywh[i + 1];
    const aw = anchorsCxcywh[i + 2], ah = anchorsCxcywh[i + 3];
    const tx = ((x1 + x2) * 0.5 - acx) / aw / vx;
    const ty = ((y1 + y2) * 0.5 - acy) / ah / vy;
    const tw = Math.log((x2 - x1) / aw) / vw;
    const th = Math.log((y2 - y1) / ah) / vh;
    if (yx) {
      o[i] = ty;
      o[i + 1] = tx;
      o[i + 2] = th;
      o[i + 3] = tw;
    } else {
      o[i] = tx;
      o[i + 1] = ty;
      o[i + 2] = tw;
      o[i + 3] = th;
    }
  }
  return o;
}

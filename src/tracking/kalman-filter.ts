/**
 * Constant-velocity Kalman filter for boxes, as pure functions over typed arrays.
 *
 * State (8): `[cx, cy, a, h, vcx, vcy, va, vh]` — box centre, aspect ratio `w/h`, height and their
 * velocities per nominal frame (SORT §3.2, DeepSORT §2.1, ByteTrack's filter). Why `xyah` and not
 * `cx, cy, w, h`: for pedestrians and vehicles the aspect ratio barely changes, so giving it a tiny
 * process noise keeps predicted boxes from deforming during an occlusion, while width would drift
 * on its own; and every other noise is proportional to the height, which makes the filter
 * scale-invariant (a near object moves more pixels than a far one, and normalised or pixel units
 * behave the same).
 *
 * Why the covariance is 4 blocks of 2×2 and not 8×8: the transition `F` and the measurement `H`
 * act on each coordinate and its own velocity only, and the process and measurement noises are
 * diagonal, so covariances between different coordinates start at zero and stay zero. Storing
 * the four `(position, velocity)` blocks gives the exact same result as the 8×8 algebra at a
 * fraction of the cost. Layout of `cov` (12): for coordinate `k` in 0..3, `[3k] = P_pp`,
 * `[3k+1] = P_pv`, `[3k+2] = P_vv`.
 *
 * Time-aware: {@link kalmanPredict} takes `dt` in nominal frames (elapsed ms × frame rate / 1000),
 * possibly fractional or several frames at once. The position moves by `v·dt`, the covariance
 * grows by `F P Fᵀ` with `F = [[1, dt], [0, 1]]`, and the process noise by `dt × Q₁` — the
 * variance of a random walk grows linearly with elapsed time, so skipping 4 frames costs the same
 * uncertainty as 4 single steps of noise.
 */

/** Noise weights, relative to the box height (DeepSORT's defaults). */
export interface KalmanNoise {
  /** Position std per frame, × height. */
  stdWeightPosition: number;
  /** Velocity std per frame, × height. */
  stdWeightVelocity: number;
  /** Aspect-ratio std per frame (absolute, aspect ratio is unitless). */
  stdAspect: number;
  /** Aspect-ratio velocity std per frame. */
  stdAspectVelocity: number;
  /** Aspect-ratio measurement std. */
  stdAspectMeasurement: number;
}

/** The defaults used by SORT-family trackers (DeepSORT `kalman_filter.py` weights). */
export const defaultKalmanNoise: Readonly<KalmanNoise> = Object.freeze({
  stdWeightPosition: 1 / 20, // × h per frame
  stdWeightVelocity: 1 / 160, // × h per frame
  stdAspect: 1e-2, // per frame
  stdAspectVelocity: 1e-5, // per frame
  stdAspectMeasurement: 1e-1,
});

/** Filter state of one track. */
export interface KalmanState {
  /** (8) cx, cy, a, h, vcx, vcy, va, vh. */
  mean: Float64Array;
  /** (4, 3) per coordinate: P_pp, P_pv, P_vv. */
  cov: Float64Array;
}

/**
 * Position and velocity std of coordinate `k` for a box of height `h`. The scales widen the
 * height-relative stds only: the aspect-ratio stds are absolute and DeepSORT starts them as is.
 */
function stds(k: number, h: number, noise: KalmanNoise, posScale: number, velScale: number): [number, number] {
  if (k === 2) return [noise.stdAspect, noise.stdAspectVelocity];
  return [noise.stdWeightPosition * h * posScale, noise.stdWeightVelocity * h * velScale];
}

/**
 * Starts a track from a measurement `[cx, cy, a, h]` with zero velocity. The initial velocity is
 * very uncertain (10× its process std), the position twice the measurement noise; the aspect
 * ratio starts at its per-frame process stds (DeepSORT `initiate`).
 */
export function kalmanInitiate(
  measurement: ArrayLike<number>,
  noise: KalmanNoise = defaultKalmanNoise,
): KalmanState {
  const mean = new Float64Array(8);
  const cov = new Float64Array(12);
  const h = measurement[3];
  for (let k = 0; k < 4; k++) {
    mean[k] = measurement[k];
    const [sp, sv] = stds(k, h, noise, 2, 10);
    cov[3 * k] = sp * sp;
    cov[3 * k + 2] = sv * sv;
  }
  return { mean, cov };
}

/**
 * Advances `s` in place by `dt` nominal frames (`dt ≥ 0`; 0 leaves it unchanged). Process noise
 * is scaled by the height before the step, as DeepSORT does.
 */
export function kalmanPredict(s: KalmanState, dt: number, noise: KalmanNoise = defaultKalmanNoise): void {
  if (!(dt > 0)) return;
  const { mean, cov } = s;
  const h = mean[3];
  for (let k = 0; k < 4; k++) {
    const [qp, qv] = stds(k, h, noise, 1, 1);
    const pp = cov[3 * k];
    const pv = cov[3 * k + 1];
    const vv = cov[3 * k + 2];
    // F P Fᵀ + dt·Q with F = [[1, dt], [0, 1]].
    cov[3 * k] = pp + 2 * dt * pv + dt * dt * vv + dt * qp * qp;
    cov[3 * k + 1] = pv + dt * vv;
    cov[3 * k + 2] = vv + dt * qv * qv;
    mean[k] += dt * mean[k + 4];
  }
}

/**
 * Corrects `s` in place with a measurement `[cx, cy, a, h]`. With `H = [1, 0]` per block the gain
 * is `K = [P_pp, P_pv] / (P_pp + r)`, and `P ← (I − K H) P`.
 */
export function kalmanUpdate(
  s: KalmanState,
  measurement: ArrayLike<number>,
  noise: KalmanNoise = defaultKalmanNoise,
): void {
  const { mean, cov } = s;
  const h = mean[3];
  for (let k = 0; k < 4; k++) {
    const r = k === 2 ? noise.stdAspectMeasurement : noise.stdWeightPosition * h;
    const pp = cov[3 * k];
    const pv = cov[3 * k + 1];
    const vv = cov[3 * k + 2];
    const sInv = 1 / (pp + r * r);
    const kp = pp * sInv;
    const kv = pv * sInv;
    const innovation = measurement[k] - mean[k];
    mean[k] += kp * innovation;
    mean[k + 4] += kv * innovation;
    cov[3 * k] = pp - kp * pp;
    cov[3 * k + 1] = pv - kp * pv;
    cov[3 * k + 2] = vv - kv * pv;
  }
}

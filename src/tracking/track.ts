/**
 * One track's record: its Kalman state, its lifecycle and its class votes.
 *
 * Lifecycle (explicit state machine):
 * `tentative → tracked` once it has `minHits` detections (it then gets an ID: IDs are only spent
 * on confirmed tracks, so they count up without gaps); `tentative → removed` when a frame passes
 * without a match; `tracked ⇄ lost` as matches stop and resume; `lost → removed` when the buffer
 * runs out.
 */
import type { Detection } from '../types.js';
import { kalmanInitiate, kalmanPredict, kalmanUpdate, type KalmanState } from './kalman-filter.js';
import { xyahToXyxy, xyxyToXyah } from './box-xyah.js';

/** Where a track is in its life. */
export type TrackState = 'tentative' | 'tracked' | 'lost' | 'removed';

const scratch = new Float64Array(4);

/** A track. Mutable; owned by one tracker. */
export class Track {
  /** 0 until confirmed. */
  id = 0;
  state: TrackState = 'tentative';
  readonly kf: KalmanState;
  /** Detections matched so far. */
  hits = 1;
  /** Timestamp (ms) of the first and of the latest matched detection. */
  readonly firstSeen: number;
  lastSeen: number;
  /** The detection matched in the current update (cleared at the start of each update). */
  lastDetection: Detection | undefined;
  /** Votes per class id, and the label seen for each id. */
  private readonly votes = new Map<number, number>();
  private readonly labels = new Map<number, string>();
  private majority: number;

  constructor(det: Detection, timestampMs: number) {
    this.kf = kalmanInitiate(xyxyToXyah(det.box, scratch));
    this.firstSeen = timestampMs;
    this.lastSeen = timestampMs;
    this.lastDetection = det;
    this.majority = det.classId;
    this.vote(det);
  }

  /** The class with most detections over the track's life (ties keep the earlier leader). */
  get classId(): number {
    return this.majority;
  }

  /** Label of {@link classId}. */
  get label(): string {
    return this.labels.get(this.majority) ?? String(this.majority);
  }

  /** The filtered box, `xyxy`. */
  get box(): [number, number, number, number] {
    return xyahToXyxy(this.kf.mean);
  }

  /** Predicts `dt` nominal frames ahead. */
  predict(dt: number): void {
    // A track that is not being observed has no evidence for its height changing; letting `vh`
    // run would grow or shrink the box without bound during a long occlusion (ByteTrack does
    // the same).
    if (this.state !== 'tracked') this.kf.mean[7] = 0;
    kalmanPredict(this.kf, dt);
  }

  /** Corrects with a matched detection taken at `timestampMs`. */
  update(det: Detection, timestampMs: number): void {
    kalmanUpdate(this.kf, xyxyToXyah(det.box, scratch));
    this.hits++;
    this.lastSeen = timestampMs;
    this.lastDetection = det;
    this.vote(det);
  }

  private vote(det: Detection): void {
    const n = (this.votes.get(det.classId) ?? 0) + 1;
    this.votes.set(det.classId, n);
    this.labels.set(det.classId, det.label);
    if (n > (this.votes.get(this.majority) ?? 0)) this.majority = det.classId;
  }
}

/**
 * The two records that flow through every stage (names fixed by DESIGN.md).
 */

/** One decoded frame, already scaled to the model's input by ffmpeg. */
export interface Frame {
  streamId: string;
  /** Per-stream frame counter, starting at 0, increasing by 1 per decoded frame. */
  seq: number;
  /** Wall-clock ms when the frame left the decoder. */
  capturedAt: number;
  /** Size of `data` in pixels (the model input size). */
  width: number;
  height: number;
  /** rgb24, HWC, `width * height * 3` bytes. */
  data: Uint8Array;
  /** Size of the source picture before scaling, so boxes can be mapped back (pad mode). */
  sourceWidth: number;
  sourceHeight: number;
}

/** One detected object. */
export interface Detection {
  /** `[x1, y1, x2, y2]` normalised to [0,1] of the source frame (xyxy). */
  box: [number, number, number, number];
  score: number;
  classId: number;
  label: string;
  /** Set once the tracker has seen the detection. */
  trackId?: number;
}

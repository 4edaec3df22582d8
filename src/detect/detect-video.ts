/**
 * A whole video through a detector, every frame in order: the offline path of
 * `ssd-stream detect clip.mp4`. Frames come from the same ffmpeg source as the streaming runtime
 * (`src/video`), scaled the way the model's spec says; reading pauses while the detector is
 * behind, so memory stays bounded however long the video is.
 */
import type { ChildProcess } from 'node:child_process';
import { ffmpegFrames, type VideoFrame } from '../video/ffmpeg-source.js';
import type { Detector } from '../inference/detector.js';
import type { Detection } from '../types.js';

/** One line of `detect` output for a video frame. */
export interface VideoFrameDetections {
  file: string;
  /** 0-based index of the decoded (after `fps` decimation) frame. */
  frame: number;
  width: number;
  height: number;
  model: string;
  detections: Detection[];
}

/** Options of {@link detectVideo}. */
export interface DetectVideoOptions {
  /** Decimate to at most this many frames per second. */
  fps?: number;
  /** Frames sent to the detector at once. */
  batch?: number;
}

/** Frames decoded ahead of the detector before ffmpeg's pipe is paused. */
const MAX_AHEAD = 16; // frames

/**
 * Runs `detector` on every frame of `file` and calls `onFrame` in frame order. Rejects with the
 * source's SsdsError (naming the file) when ffmpeg cannot read it.
 */
export function detectVideo(
  detector: Detector,
  file: string,
  opts: DetectVideoOptions,
  onFrame: (r: VideoFrameDetections) => void,
): Promise<void> {
  const { input } = detector.spec;
  const batchSize = Math.max(1, opts.batch ?? 1);
  return new Promise<void>((resolve, reject) => {
    const queue: VideoFrame[] = [];
    let child: ChildProcess | undefined;
    let ended = false;
    let running = false;
    let failed = false;

    const setPaused = (paused: boolean) => {
      const out = child?.stdout;
      if (!out) return;
      if (paused && !out.isPaused()) out.pause();
      else if (!paused && out.isPaused()) out.resume();
    };

    const pump = async (): Promise<void> => {
      if (running || failed) return;
      running = true;
      try {
        while (queue.length > 0) {
          const frames = queue.splice(0, batchSize);
          setPaused(queue.length >= MAX_AHEAD);
          const results = await detector.detect(
            frames.map((f) => ({ data: f.data, sourceWidth: f.sourceWidth, sourceHeight: f.sourceHeight })),
          );
          results.forEach((r, i) =>
            onFrame({
              file,
              frame: frames[i].seq,
              width: frames[i].sourceWidth,
              height: frames[i].sourceHeight,
              model: detector.spec.name,
              detections: r.detections,
            }),
          );
          if (queue.length < MAX_AHEAD / 2) setPaused(false);
        }
      } catch (e) {
        failed = true;
        sub.unsubscribe();
        reject(e);
        return;
      } finally {
        running = false;
      }
      if (ended && queue.length === 0) resolve();
    };

    const sub = ffmpegFrames(
      {
        streamId: file,
        url: file,
        width: input.width,
        height: input.height,
        resize: input.resize,
        padAlign: input.padAlign,
        fps: opts.fps,
        live: false,
        jpeg: false,
      },
      { onSpawn: (c) => (child = c) },
    ).subscribe({
      next: (f) => {
        queue.push(f);
        if (queue.length >= MAX_AHEAD) setPaused(true);
        void pump();
      },
      error: (e: unknown) => {
        failed = true;
        reject(e);
      },
      complete: () => {
        ended = true;
        if (!running && queue.length === 0) resolve();
      },
    });
  });
}

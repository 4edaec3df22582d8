/**
 * One still image through a detector: the path `ssd-stream detect photo.jpg` takes.
 */
import type { Detector } from '../inference/detector.js';
import type { Detection } from '../types.js';
import { loadImageInput } from './image-input.js';

/** What `detect` prints for an image. */
export interface ImageDetections {
  file: string;
  width: number;
  height: number;
  model: string;
  detections: Detection[];
}

/** Runs `detector` on the image `file`; boxes come back normalised to the image. */
export async function detectImage(detector: Detector, file: string): Promise<ImageDetections> {
  const input = await loadImageInput(file, detector.spec.input);
  const [result] = await detector.detect([input]);
  return {
    file,
    width: input.sourceWidth,
    height: input.sourceHeight,
    model: detector.spec.name,
    detections: result.detections,
  };
}

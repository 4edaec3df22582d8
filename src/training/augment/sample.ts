/**
 * The records augmentation works on. Pictures are rgb24 (HWC, 3 bytes per pixel). A
 * {@link DetectionSample} is a picture as loaded, boxes in its pixels; a {@link ModelSample} is
 * what the trainer feeds the network: a picture at the model input size with boxes normalised
 * to that input, ready for the target matcher.
 */

/** An rgb24 picture: `data.length === width * height * 3`. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A picture with its objects, boxes in the picture's pixels. */
export interface DetectionSample {
  image: RgbImage;
  /** `(N,4)` x1,y1,x2,y2 in pixels of `image`. */
  boxesXyxy: Float32Array;
  /** `(N)` dataset class ids (0-based, no background). */
  classIds: Int32Array;
  /** `(R,4)` x1,y1,x2,y2 pixels: ignored boxes and ignore regions (neither object nor background). */
  ignoreXyxy: Float32Array;
}

/** A sample at the model input size. */
export interface ModelSample {
  /** rgb24 at `width × height` (the spec's input size), placed per `InputSpec.resize`. */
  image: RgbImage;
  /** `(N,4)` x1,y1,x2,y2 normalised to the model input. */
  boxesXyxy: Float32Array;
  /** `(N)` dataset class ids (0-based, no background; add 1 for a background-first head). */
  classIds: Int32Array;
  /** `(R,4)` x1,y1,x2,y2 normalised to the model input. */
  ignoreXyxy: Float32Array;
}

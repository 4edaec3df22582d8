/**
 * The SSD math shared by training and inference, in one import. Every module here is pure
 * functions over typed arrays and imports nothing outside `src/ssd` (zod for the spec only).
 */
export * from './activation.js';
export * from './box-coder.js';
export * from './box-format.js';
export * from './default-boxes.js';
export * from './iou.js';
export * from './letterbox.js';
export * from './nms.js';
export * from './postprocess.js';
export * from './score-sort.js';
export * from './spec.js';
export { ssdPaperBoxes, ssdPaperScales } from './ssd-paper-boxes.js';
export { tfGridAnchors, tfGridBoxSpecs } from './tf-grid-anchors.js';
export { torchvisionDefaultBoxes, torchvisionScales } from './torchvision-default-boxes.js';

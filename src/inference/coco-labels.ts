/**
 * The COCO label list indexed by the 91 category ids of the 2014 paper: id 0 is the background
 * and the ids COCO never used (12, 26, 29, 30, 45, 66, 68, 69, 71, 83) are `N/A`, so a model's
 * 1-based class id (TF Object Detection API, torchvision) indexes it directly.
 */

/** 91 names: `COCO91_LABELS[classId]`. */
export const COCO91_LABELS: readonly string[] = Object.freeze([
  'background', 'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck',
  'boat', 'traffic light', 'fire hydrant', 'N/A', 'stop sign', 'parking meter', 'bench', 'bird',
  'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'N/A', 'backpack',
  'umbrella', 'N/A', 'N/A', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard',
  'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'N/A', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl',
  'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut',
  'cake', 'chair', 'couch', 'potted plant', 'bed', 'N/A', 'dining table', 'N/A', 'N/A', 'toilet',
  'N/A', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'N/A', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
  'hair drier', 'toothbrush',
]);

/**
 * The 80 COCO classes in contiguous order with the background at 0 — the class ids of models
 * trained on contiguous labels (the MLPerf / ONNX Model Zoo SSD ResNet34).
 */
export const COCO80_LABELS: readonly string[] = Object.freeze(COCO91_LABELS.filter((l) => l !== 'N/A'));

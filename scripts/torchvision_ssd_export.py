#!/usr/bin/env python3
"""Export a torchvision SSD300 / SSDlite320 for ssd-stream.

Writes the fast form: the network without torchvision's transform and post-processing
(float32 NCHW `images` -> `bbox_regression`, `cls_logits`) plus the `<model>.onnx.ssd.json`
sidecar that tells ssd-stream the anchors, preprocessing, box coder and thresholds, read off the
model itself. `--postprocessed` also writes torchvision's own export with NMS in the graph
(`boxes`, `scores`, `labels`), which ssd-stream loads too but which runs far slower on a CPU.

Run it where torchvision and its weights are available (pretrained weights download from
PyTorch's hub), e.g.

  python3 scripts/torchvision_ssd_export.py --model ssdlite320_mobilenet_v3_large --weights DEFAULT \
      --out models/cache/torchvision-ssdlite320-mobilenet-v3.onnx

Also imported by the project's test fixtures, which build seeded random-weight models.
"""
import argparse
import json

import torch
from torch import nn
from torchvision.models import detection

MODELS = {
    "ssd300_vgg16": (detection.ssd300_vgg16, detection.SSD300_VGG16_Weights),
    "ssdlite320_mobilenet_v3_large": (detection.ssdlite320_mobilenet_v3_large, detection.SSDLite320_MobileNet_V3_Large_Weights),
}


def input_size(m: nn.Module):
    """(height, width) torchvision resizes to: SSD uses a fixed size."""
    h, w = m.transform.fixed_size
    return int(h), int(w)


def head_outputs(m: nn.Module, images: torch.Tensor):
    """Class logits and box regression of a normalised NCHW batch."""
    feats = list(m.backbone(images).values())
    out = m.head(feats)
    return out["cls_logits"], out["bbox_regression"]


class RawHeads(nn.Module):
    """The SSD network without torchvision's transform and postprocess."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, images: torch.Tensor):
        cls, reg = head_outputs(self.m, images)
        return reg, cls


def feature_map_sizes(m: nn.Module):
    h, w = input_size(m)
    with torch.no_grad():
        feats = m.backbone(torch.zeros(1, 3, h, w))
    return [[int(f.shape[2]), int(f.shape[3])] for f in feats.values()]


def sidecar_spec(m: nn.Module, name: str, labels, score_thresh: float) -> dict:
    """The ssd-stream model spec (src/ssd/spec.ts) of a torchvision SSD, read off the model."""
    h, w = input_size(m)
    gen = m.anchor_generator
    anchors = {
        "type": "torchvision",
        "featureMaps": feature_map_sizes(m),
        "aspectRatios": [list(r) for r in gen.aspect_ratios],
        "scales": [float(s) for s in gen.scales],
        "clip": bool(gen.clip),
    }
    if getattr(gen, "steps", None) is not None:
        anchors["steps"] = [float(s) for s in gen.steps]
    return {
        "version": 1,
        "name": name,
        "input": {
            "width": w,
            "height": h,
            "format": "float32-nchw",
            "resize": "stretch",
            "pixelScale": 1 / 255,
            "mean": [float(v) for v in m.transform.image_mean],
            "std": [float(v) for v in m.transform.image_std],
        },
        "labels": list(labels),
        "backgroundIndex": 0,
        "scoreActivation": "softmax",
        "anchors": anchors,
        "boxCoder": {
            "order": "xywh",
            "variances": [1.0 / v for v in m.box_coder.weights],
            "maxLogSize": float(m.box_coder.bbox_xform_clip),
        },
        "postprocess": {
            "scoreThreshold": score_thresh,
            "iouThreshold": float(m.nms_thresh),
            "preNmsTopK": int(m.topk_candidates),
            "maxDetections": int(m.detections_per_img),
            "nms": "hard",
        },
    }


def export_raw(m: nn.Module, path: str, spec: dict, opset: int = 13) -> None:
    """Raw-heads ONNX with a dynamic batch, and its sidecar beside it."""
    h, w = input_size(m)
    torch.onnx.export(
        RawHeads(m).eval(),
        torch.zeros(1, 3, h, w),
        path,
        input_names=["images"],
        output_names=["bbox_regression", "cls_logits"],
        dynamic_axes={"images": {0: "N"}, "bbox_regression": {0: "N"}, "cls_logits": {0: "N"}},
        opset_version=opset,
    )
    with open(path + ".ssd.json", "w") as f:
        json.dump(spec, f, indent=2)


def export_postprocessed(m: nn.Module, path: str, opset: int = 13) -> None:
    """torchvision's own export: one image in, NMS in the graph (`m.score_thresh` baked in)."""
    h, w = input_size(m)
    torch.onnx.export(
        m,
        ([torch.rand(3, h, w)],),
        path,
        input_names=["images"],
        output_names=["boxes", "scores", "labels"],
        opset_version=max(opset, 11),
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(MODELS), required=True)
    p.add_argument("--weights", default="DEFAULT", help="DEFAULT, a weights enum name, or none (random)")
    p.add_argument("--out", required=True, help="the .onnx path to write")
    p.add_argument("--score-thresh", type=float, default=0.5)
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--postprocessed", action="store_true", help="also write <out>-post.onnx with NMS in the graph")
    args = p.parse_args()

    build, weights_enum = MODELS[args.model]
    weights = None if args.weights.lower() == "none" else weights_enum[args.weights] if args.weights != "DEFAULT" else weights_enum.DEFAULT
    m = build(weights=weights, weights_backbone=None).eval()
    if weights is not None:
        labels = ["background" if c == "__background__" else c for c in weights.meta["categories"]]
    else:
        # Without weights the heads are built for COCO's 91 columns (background first).
        labels = ["background"] + [f"class{i}" for i in range(1, 91)]
    spec = sidecar_spec(m, args.model, labels, args.score_thresh)
    export_raw(m, args.out, spec, args.opset)
    if args.postprocessed:
        m.score_thresh = args.score_thresh
        export_postprocessed(m, args.out.removesuffix(".onnx") + "-post.onnx", args.opset)
    print(args.out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""OpenCV DNN timing of the bench's SSDlite320 raw heads (peer of bench/detector.ts). Prints JSON.

  opencv_dnn.py --weights ssdlite320.pt --work DIR [--seconds 2]

OpenCV 4.6's ONNX importer reads opset <= 10 and fixed shapes only, so the raw heads are
re-exported here per batch size at opset 10 with a fixed batch. torch writes `Identity` nodes
for weights it deduplicated, which that importer rejects; they are replaced by copies of the
weight. `msPerFrame` is `net.forward`
of both head outputs on a normalised float blob. An export or import failure is reported as
`error` for that run instead of a time.
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "models"))
from peer_timing import timed  # noqa: E402
from torchvision_ssdlite import SIZE, build_model  # noqa: E402
from torchvision_ssd_export import RawHeads  # noqa: E402


def inline_identity_weights(path: str) -> None:
    """Replaces each `Identity` of an initializer by a copy of that initializer."""
    m = onnx.load(path)
    inits = {i.name: i for i in m.graph.initializer}
    keep = []
    for n in m.graph.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            copy = onnx.TensorProto()
            copy.CopyFrom(inits[n.input[0]])
            copy.name = n.output[0]
            m.graph.initializer.append(copy)
        else:
            keep.append(n)
    del m.graph.node[:]
    m.graph.node.extend(keep)
    onnx.save(m, path)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--seconds", type=float, default=2)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    m = build_model(0)
    m.load_state_dict(torch.load(a.weights))
    m.eval()
    runs = []
    rng = np.random.default_rng(7)
    for batch in (1, 4):
        path = os.path.join(a.work, f"ssdlite320-raw-opset10-b{batch}.onnx")
        try:
            if not os.path.exists(path):
                torch.onnx.export(RawHeads(m).eval(), torch.zeros(batch, 3, SIZE, SIZE), path,
                                  input_names=["images"], output_names=["bbox_regression", "cls_logits"],
                                  opset_version=10)
                inline_identity_weights(path)
            net = cv2.dnn.readNetFromONNX(path)
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            runs.append({"batch": batch, "error": " ".join(str(e).split())[:400]})
            continue
        blob = rng.random((batch, 3, SIZE, SIZE), dtype=np.float32) * 2 - 1
        for threads in (1, 2):
            cv2.setNumThreads(threads)

            def run():
                net.setInput(blob)
                return net.forward(["bbox_regression", "cls_logits"])

            try:
                ms = timed(run, a.seconds)
                runs.append({"batch": batch, "threads": threads, "msPerFrame": round(ms / batch, 3)})
            except Exception as e:  # noqa: BLE001
                runs.append({"batch": batch, "threads": threads, "error": " ".join(str(e).split())[:400]})
    print(json.dumps({"opencv": cv2.__version__, "runs": runs}))


if __name__ == "__main__":
    main()

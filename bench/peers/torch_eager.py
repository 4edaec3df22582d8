#!/usr/bin/env python3
"""PyTorch eager timing of the bench's SSDlite320 (peer of bench/detector.ts). Prints JSON.

  torch_eager.py --weights ssdlite320.pt [--seconds 2]

For batch 1 and 4 and 1 and 2 threads: `headsMsPerFrame` runs backbone + heads on a
normalised float batch (the work ONNX Runtime does on the raw-heads export) and
`fullMsPerFrame` the whole torchvision model (transform, heads, decoding, NMS) on a list of
[0,1] images, both under `torch.inference_mode()`.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "models"))
from peer_timing import timed  # noqa: E402
from torchvision_ssdlite import SIZE, build_model, head_outputs  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--seconds", type=float, default=2)
    a = p.parse_args()
    m = build_model(0)
    m.load_state_dict(torch.load(a.weights))
    m.eval()
    runs = []
    g = torch.Generator().manual_seed(7)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for batch in (1, 4):
            x = torch.rand(batch, 3, SIZE, SIZE, generator=g)
            xn = (x - 0.5) / 0.5
            with torch.inference_mode():
                heads = timed(lambda: head_outputs(m, xn), a.seconds)
                full = timed(lambda: m(list(x)), a.seconds)
            runs.append({
                "batch": batch,
                "threads": threads,
                "headsMsPerFrame": round(heads / batch, 3),
                "fullMsPerFrame": round(full / batch, 3),
            })
    print(json.dumps({"torch": torch.__version__, "runs": runs}))


if __name__ == "__main__":
    main()

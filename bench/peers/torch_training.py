#!/usr/bin/env python3
"""PyTorch peer of bench/training.ts: the same MobileNetV1-SSD (width 1.0, TF `same` padding
emulated by asymmetric pads, ReLU6, four extra layers, 1x1 box/class predictors on six maps with
3/6/6/6/6/6 boxes per cell) and the same SSD loss (Smooth L1 + softmax cross-entropy with 3:1 hard
negative mining), trained with SGD momentum on the CPU. Prints JSON.

  torch_training.py [--size 512] [--batch 8] [--steps 4] [--classes 4] [--unfrozen]

`headsImagesPerSec`: only the predictors train, on fixed feature maps (what ssd-stream's fast path
does in tfjs); `unfrozenImagesPerSec`: every layer trains on pictures (batch 1).
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CH = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]
S2 = {2, 4, 6, 12}
EXTRA = [(256, 512), (128, 256), (128, 256), (64, 128)]
APC = [3, 6, 6, 6, 6, 6]


class Same(nn.Module):
    """Conv with TF `same` padding (odd pixel at the end) + optional ReLU6."""

    def __init__(self, cin, cout, k, s, groups=1, act=True):
        super().__init__()
        self.k, self.s, self.act = k, s, act
        self.conv = nn.Conv2d(cin, cout, k, s, 0, groups=groups)

    def forward(self, x):
        h, w = x.shape[-2:]
        ph = max((math.ceil(h / self.s) - 1) * self.s + self.k - h, 0)
        pw = max((math.ceil(w / self.s) - 1) * self.s + self.k - w, 0)
        x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        y = self.conv(x)
        return F.relu6(y) if self.act else y


class Ssd(nn.Module):
    def __init__(self, classes):
        super().__init__()
        layers = [Same(3, 32, 3, 2)]
        c = 32
        for i in range(1, 14):
            layers += [Same(c, c, 3, 2 if i in S2 else 1, groups=c), Same(c, CH[i], 1, 1)]
            c = CH[i]
        self.trunk = nn.ModuleList(layers)
        self.extras = nn.ModuleList()
        for a, b in EXTRA:
            self.extras.append(nn.Sequential(Same(c, a, 1, 1), Same(a, b, 3, 2)))
            c = b
        src = [512, 1024] + [b for _, b in EXTRA]
        self.box = nn.ModuleList(nn.Conv2d(ci, n * 4, 1) for ci, n in zip(src, APC))
        self.cls = nn.ModuleList(nn.Conv2d(ci, n * classes, 1) for ci, n in zip(src, APC))
        self.classes = classes

    def features(self, x):
        feats = []
        for i, l in enumerate(self.trunk):
            x = l(x)
            if i in (22, 26):  # outputs of pointwise 11 and 13
                feats.append(x)
        for e in self.extras:
            x = e(x)
            feats.append(x)
        return feats

    def heads(self, feats):
        b = feats[0].shape[0]
        loc = torch.cat([h(f).permute(0, 2, 3, 1).reshape(b, -1, 4) for h, f in zip(self.box, feats)], 1)
        cls = torch.cat([h(f).permute(0, 2, 3, 1).reshape(b, -1, self.classes) for h, f in zip(self.cls, feats)], 1)
        return loc, cls


def ssd_loss(loc, cls, loc_t, labels):
    pos = labels > 0
    n = pos.sum().clamp(min=1)
    loc_l = F.smooth_l1_loss(loc[pos], loc_t[pos], reduction="sum")
    ce = F.cross_entropy(cls.reshape(-1, cls.shape[-1]), labels.reshape(-1), reduction="none").view(labels.shape)
    neg_ce = ce.clone().detach()
    neg_ce[pos] = -1
    k = (3 * pos.sum(1, keepdim=True))
    rank = neg_ce.argsort(1, descending=True).argsort(1)
    neg = rank < k
    return (loc_l + ce[pos | neg].sum()) / n


def timed(fn, steps):
    fn()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t0) / steps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--classes", type=int, default=4)
    p.add_argument("--unfrozen", action="store_true")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = Ssd(a.classes)
    x = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
    with torch.no_grad():
        feats = [f.detach() for f in m.features(x)]
    anchors = sum(f.shape[2] * f.shape[3] * n for f, n in zip(feats, APC))
    labels = torch.zeros(a.batch, anchors, dtype=torch.long)
    labels[:, torch.randint(0, anchors, (20,))] = torch.randint(1, a.classes, (20,))
    loc_t = torch.randn(a.batch, anchors, 4)

    head_params = list(m.box.parameters()) + list(m.cls.parameters())
    opt = torch.optim.SGD(head_params, lr=1e-3, momentum=0.9)

    def head_step():
        opt.zero_grad()
        loc, cls = m.heads(feats)
        ssd_loss(loc, cls, loc_t, labels).backward()
        opt.step()

    out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "batch": a.batch, "defaultBoxes": anchors}
    out["headsImagesPerSec"] = a.batch / timed(head_step, a.steps)
    if a.unfrozen:
        fopt = torch.optim.SGD(m.parameters(), lr=1e-4, momentum=0.9)

        def full(bx):
            def step():
                fopt.zero_grad()
                loc, cls = m.heads(m.features(bx))
                ssd_loss(loc, cls, loc_t[: bx.shape[0]], labels[: bx.shape[0]]).backward()
                fopt.step()
            return step

        # Batch 1, as the tfjs side measures it (a batch of 8 at 512 px takes minutes here).
        out["unfrozenImagesPerSec"] = 1 / timed(full(x[:1]), max(1, a.steps // 2))
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""The Inception-v3 that published FID, KID and IS figures are measured with, in plain PyTorch.

This is the TensorFlow 1 graph of 2015-12-05 (Szegedy et al. 2016, as used by Heusel et al. 2017
for FID and Salimans et al. 2016 for IS), with the three details that make it differ from
torchvision's Inception-v3 and that change FID values if they are lost:

- images are resized to 299 px with TensorFlow 1's bilinear rule (source = destination x scale,
  no half-pixel offset), not PyTorch's;
- the average-pool branches do not count the zero padding;
- the last block's pool branch is a max pool.

Module and parameter names follow torchvision's (``Mixed_5b.branch1x1.conv.weight``), which is
the layout of torch-fidelity's converted weights file, so that file loads here strictly. artgan
needs neither torchvision nor torch-fidelity for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 299
FEATURE_DIM = 2048
LOGIT_DIM = 1008  # the 2015 graph's 1,000 ImageNet classes plus 8 unused outputs


class ConvBN(nn.Module):
    """Convolution without bias, batch norm (TensorFlow's epsilon 1e-3), ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


@dataclass
class Branch:
    """One branch of an Inception block: an optional pool, a chain of convolutions, and optionally
    two convolutions applied side by side to the chain's output and concatenated (the E blocks)."""

    convs: list[tuple]  # (name, in, out, kernel, stride, padding)
    pool: str = ""  # "" | "avg" (3x3, stride 1, padding not counted) | "max" (3x3, stride 1) | "max/2" (3x3, stride 2)
    fork: list[tuple] = field(default_factory=list)


def pool(x, kind: str):
    if kind == "avg":
        return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    if kind == "max":
        return F.max_pool2d(x, 3, stride=1, padding=1)
    if kind == "max/2":
        return F.max_pool2d(x, 3, stride=2)
    return x


class InceptionBlock(nn.Module):
    """Branches run on the same input, outputs concatenated along channels in branch order."""

    def __init__(self, branches: list[Branch]):
        super().__init__()
        self.branches = branches
        for branch in branches:
            for name, *shape in branch.convs + branch.fork:
                self.add_module(name, ConvBN(*shape))

    def forward(self, x):
        outputs = []
        for branch in self.branches:
            h = pool(x, branch.pool)
            for name, *_ in branch.convs:
                h = getattr(self, name)(h)
            if branch.fork:
                h = torch.cat([getattr(self, name)(h) for name, *_ in branch.fork], 1)
            outputs.append(h)
        return torch.cat(outputs, 1)


def block_a(c: int, pool_features: int) -> InceptionBlock:
    return InceptionBlock([
        Branch([("branch1x1", c, 64, 1, 1, 0)]),
        Branch([("branch5x5_1", c, 48, 1, 1, 0), ("branch5x5_2", 48, 64, 5, 1, 2)]),
        Branch([("branch3x3dbl_1", c, 64, 1, 1, 0), ("branch3x3dbl_2", 64, 96, 3, 1, 1),
                ("branch3x3dbl_3", 96, 96, 3, 1, 1)]),
        Branch([("branch_pool", c, pool_features, 1, 1, 0)], pool="avg"),
    ])


def block_b(c: int) -> InceptionBlock:
    return InceptionBlock([
        Branch([("branch3x3", c, 384, 3, 2, 0)]),
        Branch([("branch3x3dbl_1", c, 64, 1, 1, 0), ("branch3x3dbl_2", 64, 96, 3, 1, 1),
                ("branch3x3dbl_3", 96, 96, 3, 2, 0)]),
        Branch([], pool="max/2"),
    ])


def block_c(c: int, c7: int) -> InceptionBlock:
    row, col = ((1, 7), (0, 3)), ((7, 1), (3, 0))  # (kernel, padding) of the factorised 7x7
    return InceptionBlock([
        Branch([("branch1x1", c, 192, 1, 1, 0)]),
        Branch([("branch7x7_1", c, c7, 1, 1, 0), ("branch7x7_2", c7, c7, row[0], 1, row[1]),
                ("branch7x7_3", c7, 192, col[0], 1, col[1])]),
        Branch([("branch7x7dbl_1", c, c7, 1, 1, 0), ("branch7x7dbl_2", c7, c7, col[0], 1, col[1]),
                ("branch7x7dbl_3", c7, c7, row[0], 1, row[1]), ("branch7x7dbl_4", c7, c7, col[0], 1, col[1]),
                ("branch7x7dbl_5", c7, 192, row[0], 1, row[1])]),
        Branch([("branch_pool", c, 192, 1, 1, 0)], pool="avg"),
    ])


def block_d(c: int) -> InceptionBlock:
    return InceptionBlock([
        Branch([("branch3x3_1", c, 192, 1, 1, 0), ("branch3x3_2", 192, 320, 3, 2, 0)]),
        Branch([("branch7x7x3_1", c, 192, 1, 1, 0), ("branch7x7x3_2", 192, 192, (1, 7), 1, (0, 3)),
                ("branch7x7x3_3", 192, 192, (7, 1), 1, (3, 0)), ("branch7x7x3_4", 192, 192, 3, 2, 0)]),
        Branch([], pool="max/2"),
    ])


def block_e(c: int, pool_kind: str) -> InceptionBlock:
    def split(prefix, width):
        return [(f"{prefix}a", width, 384, (1, 3), 1, (0, 1)), (f"{prefix}b", width, 384, (3, 1), 1, (1, 0))]
    return InceptionBlock([
        Branch([("branch1x1", c, 320, 1, 1, 0)]),
        Branch([("branch3x3_1", c, 384, 1, 1, 0)], fork=split("branch3x3_2", 384)),
        Branch([("branch3x3dbl_1", c, 448, 1, 1, 0), ("branch3x3dbl_2", 448, 384, 3, 1, 1)],
               fork=split("branch3x3dbl_3", 384)),
        Branch([("branch_pool", c, 192, 1, 1, 0)], pool=pool_kind),
    ])


def resize_like_tensorflow1(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear resize as TF1's ``tf.image.resize_bilinear(align_corners=False)``: the source
    coordinate is destination x (in / out), with no half-pixel offset, clamped at the border."""
    def axis(length):
        position = torch.arange(size, dtype=torch.float32, device=x.device) * (length / size)
        low = position.long()
        high = (low + 1).clamp(max=length - 1)
        return low, high, (position - low.float()).to(x.dtype)
    (y0, y1, dy), (x0, x1, dx) = axis(x.shape[2]), axis(x.shape[3])
    top, bottom = x[:, :, y0], x[:, :, y1]
    rows = top + (bottom - top) * dy.view(1, 1, -1, 1)
    left, right = rows[..., x0], rows[..., x1]
    return left + (right - left) * dx.view(1, 1, 1, -1)


class InceptionV3(nn.Module):
    """uint8 RGB images (N, 3, H, W) -> (2048-d pool features, 1008 logits without the bias).

    The Inception Score uses the logits without the final bias, as the TF1 reference code reads
    them from the graph's ``MatMul`` node."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = ConvBN(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = ConvBN(32, 32, 3)
        self.Conv2d_2b_3x3 = ConvBN(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = ConvBN(64, 80, 1)
        self.Conv2d_4a_3x3 = ConvBN(80, 192, 3)
        self.Mixed_5b, self.Mixed_5c, self.Mixed_5d = block_a(192, 32), block_a(256, 64), block_a(288, 64)
        self.Mixed_6a = block_b(288)
        self.Mixed_6b, self.Mixed_6c = block_c(768, 128), block_c(768, 160)
        self.Mixed_6d, self.Mixed_6e = block_c(768, 160), block_c(768, 192)
        self.Mixed_7a = block_d(768)
        self.Mixed_7b, self.Mixed_7c = block_e(1280, "avg"), block_e(2048, "max")
        self.fc = nn.Linear(FEATURE_DIM, LOGIT_DIM)
        self.requires_grad_(False)
        self.eval()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"InceptionV3 takes uint8 images of shape (N, 3, H, W), got {images.dtype} "
                             f"{tuple(images.shape)}")
        x = resize_like_tensorflow1(images.float(), INPUT_SIZE)
        x = (x - 128) / 128
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = F.max_pool2d(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)), 3, stride=2)
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                     "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"):
            x = getattr(self, name)(x)
        features = x.mean(dim=(2, 3))
        return features, features @ self.fc.weight.T

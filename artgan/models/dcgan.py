"""DCGAN generator and discriminator (Radford, Metz & Chintala 2016) for any square power-of-two size.

The paper's recipe: strided (transposed) convolutions instead of pooling, batch norm in both
networks (except G's output and D's input layers), ReLU in G with a tanh output, LeakyReLU(0.2)
in D, weights drawn from N(0, 0.02). A 4x4 feature map is grown (or shrunk) by one factor of two
per block, so the number of blocks follows from the image size; the width doubles per block
towards the 4x4 end, capped at ``max_width``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def init_dcgan_weights(module: nn.Module) -> None:
    """N(0, 0.02) for convolutions and linear layers, N(1, 0.02) for batch-norm scales (Radford et al.)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def stage_widths(size: int, width: int, max_width: int = 512) -> list[int]:
    """Channel widths from the 4x4 stage up to the last hidden stage, e.g. 64px, width 64 -> [512, 256, 128, 64]."""
    stages = int(math.log2(size)) - 2
    return [min(width * 2 ** (stages - 1 - i), max_width) for i in range(stages)]


def norm_layer(kind: str, channels: int) -> nn.Module:
    """Batch norm for DCGAN; WGAN-GP's critic must not use it (the penalty is per sample)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown normalisation {kind!r}")


def generator_convs(inputs: int, widths: list[int], extra_layers: int) -> list[nn.Module]:
    """G's hidden convolutions, each to be followed by a batch norm and a ReLU: the input vector to a
    4x4 map, one doubling per stage, then ``extra_layers`` 3x3 convolutions at the last width."""
    convs: list[nn.Module] = [nn.ConvTranspose2d(inputs, widths[0], 4, 1, 0, bias=False)]
    convs += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=False) for w_in, w_out in zip(widths, widths[1:])]
    convs += [nn.Conv2d(widths[-1], widths[-1], 3, 1, 1, bias=False) for _ in range(extra_layers)]
    return convs


class DCGANGenerator(nn.Module):
    """z (N, latent_dim [+ extra_inputs]) -> image (N, channels, size, size) in [-1, 1]."""

    def __init__(self, latent_dim: int, channels: int, size: int, width: int = 64,
                 extra_layers: int = 0, extra_inputs: int = 0, max_width: int = 512):
        super().__init__()
        self.latent_dim = latent_dim
        widths = stage_widths(size, width, max_width)
        layers: list[nn.Module] = []
        for conv in generator_convs(latent_dim + extra_inputs, widths, extra_layers):
            layers += [conv, nn.BatchNorm2d(conv.out_channels), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """image (N, channels, size, size) -> one real/fake logit per image (N,).

    ``features`` (everything up to the 4x4 map) is exposed so that variants can add heads
    (ACGAN's class head, CAN's style head) on the same trunk.
    """

    def __init__(self, channels: int, size: int, width: int = 64, extra_layers: int = 0,
                 norm: str = "batch", extra_inputs: int = 0, max_width: int = 512):
        super().__init__()
        widths = stage_widths(size, width, max_width)[::-1]
        layers: list[nn.Module] = [nn.Conv2d(channels + extra_inputs, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for _ in range(extra_layers):
            layers += [nn.Conv2d(widths[0], widths[0], 3, 1, 1, bias=False), norm_layer(norm, widths[0]), nn.LeakyReLU(0.2, True)]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.Conv2d(w_in, w_out, 4, 2, 1, bias=False), norm_layer(norm, w_out), nn.LeakyReLU(0.2, True)]
        self.features = nn.Sequential(*layers)
        self.feature_dim = widths[-1] * 16
        self.head = nn.Conv2d(widths[-1], 1, 4, 1, 0, bias=False)
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x)).flatten()

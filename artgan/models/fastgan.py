"""FastGAN's networks (Liu, Zhu, Song & Elgammal 2021, "Towards Faster and Stabilized GAN Training for
High-fidelity Few-shot Image Synthesis", ICLR), for 16 to 256 px
(16 px is for smoke tests: its D has one down block).

Two ideas make it train from a hundred images:
- **Skip-layer excitation (SLE)** in G: a low-resolution feature map (4x4, 8x8, 16x16) is squeezed to
  one gate per channel that multiplies a map 16x larger, a shortcut from the image's layout to its
  detail that costs no full-resolution convolution.
- **A self-supervised discriminator**: small decoders rebuild the (real) image from D's 8x8 features
  and one random quarter of it from the 16x16 features, so D must learn features that describe the
  whole image instead of the few pixels that separate a small training set from G's output.

Widths follow DCGAN's rule (``stage_widths``: doubling per halving of the side, capped at 512), so
``--g-width``/``--d-width`` mean the same thing for every variant. Every convolution is spectrally
normalised, as in the paper. Two simplifications, both for this project's CPUs: no noise injection
in G (a sample stays a function of z alone, so fixed-noise grids and ``generate --seed`` repeat), and
no second, 128 px discriminator branch.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from artgan.models.dcgan import init_dcgan_weights, stage_widths
from artgan.models.spectral import apply_spectral_norm

SIZES = (16, 32, 64, 128, 256)
PARTS = 4  # quarters of the image: top-left, top-right, bottom-left, bottom-right


def widths_by_side(size: int, width: int) -> dict[int, int]:
    """Channels at each side from 4 to ``size``, e.g. 32 px, width 32 -> {4: 256, 8: 128, 16: 64, 32: 32}."""
    sides = [2 ** k for k in range(2, int(math.log2(size)) + 1)]
    return dict(zip(sides, stage_widths(size * 2, width)))


def generator_skips(size: int) -> list[tuple[int, int]]:
    """(small side, big side) pairs SLE joins: the paper's 4->64, 8->128, 16->256; 4->size below 64 px."""
    return [(big // 16, big) for big in (64, 128, 256) if big <= size] or [(4, size)]


def discriminator_skips(size: int) -> list[tuple[int, int]]:
    """(big side, small side) pairs of D's excitations: the paper's 256->32, 128->16, 64->8; size->8 below 64 px."""
    return [(small * 8, small) for small in (8, 16, 32) if small * 8 <= size] or [(size, 8)]


def reconstruction_side(size: int) -> int:
    """Side of D's reconstructions: half the image, at most the paper's 128."""
    return min(size // 2, 128)


class GLU(nn.Module):
    """Gated linear unit over channels: the first half times the sigmoid of the second (FastGAN's G)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value, gate = x.chunk(2, dim=1)
        return value * torch.sigmoid(gate)


class SkipLayerExcitation(nn.Module):
    """Gates ``big``'s channels by a 4x4 pooled summary of ``small`` (the paper's SLE block)."""

    def __init__(self, small_channels: int, big_channels: int):
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(4), nn.Conv2d(small_channels, big_channels, 4, 1, 0, bias=False), nn.SiLU(),
            nn.Conv2d(big_channels, big_channels, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small: torch.Tensor, big: torch.Tensor) -> torch.Tensor:
        return big * self.gate(small)


def run_blocks(x: torch.Tensor, blocks: nn.ModuleDict, excite: nn.ModuleDict, sources: dict[int, int]) -> dict[int, torch.Tensor]:
    """Apply ``blocks`` in order; an output whose side has a source side is gated by SLE from that
    earlier map. Returns every map by side (the input's included)."""
    maps = {x.shape[-1]: x}
    for block in blocks.values():
        x = block(x)
        side = x.shape[-1]
        if side in sources:
            x = excite[str(side)](maps[sources[side]], x)
        maps[side] = x
    return maps


def up_block(w_in: int, w_out: int, double: bool) -> nn.Sequential:
    """Nearest-neighbour x2, then one (or, in the paper's alternate blocks, two) conv-BN-GLU layers."""
    layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest")]
    for w in ((w_in, w_out), (w_out, w_out))[: 2 if double else 1]:
        layers += [nn.Conv2d(w[0], w[1] * 2, 3, 1, 1, bias=False), nn.BatchNorm2d(w[1] * 2), GLU()]
    return nn.Sequential(*layers)


class FastGANGenerator(nn.Module):
    """z (N, latent_dim) [and class labels] -> image (N, channels, size, size) in [-1, 1]."""

    def __init__(self, latent_dim: int, channels: int, size: int, width: int = 32, num_classes: int = 0):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        w = widths_by_side(size, width)
        # Conditional: the one-hot label joins z in the first layer, as AC-GAN's G takes both, so G
        # cannot serve a class by ignoring z.
        self.init = nn.Sequential(nn.ConvTranspose2d(latent_dim + num_classes, w[4] * 2, 4, 1, 0, bias=False),
                                  nn.BatchNorm2d(w[4] * 2), GLU())
        sides = [side for side in w if side > 4]
        self.ups = nn.ModuleDict({str(s): up_block(w[s // 2], w[s], double=i % 2 == 0) for i, s in enumerate(sides)})
        self.skips = generator_skips(size)
        self.excite = nn.ModuleDict({str(big): SkipLayerExcitation(w[small], w[big]) for small, big in self.skips})
        self.to_image = nn.Sequential(nn.Conv2d(w[size], channels, 3, 1, 1, bias=False), nn.Tanh())
        self.apply(init_dcgan_weights)
        apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        z = z.flatten(1)
        if self.num_classes:
            z = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], 1)
        sources = {big: small for small, big in self.skips}
        maps = run_blocks(self.init(z.view(*z.shape, 1, 1)), self.ups, self.excite, sources)
        return self.to_image(maps[max(maps)])


class DownBlock(nn.Module):
    """Halve the side: a strided conv + 3x3 conv path averaged with a pooled 1x1 shortcut (the paper's DownBlockComp)."""

    def __init__(self, w_in: int, w_out: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(w_in, w_out, 4, 2, 1, bias=False), nn.BatchNorm2d(w_out), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w_out, w_out, 3, 1, 1, bias=False), nn.BatchNorm2d(w_out), nn.LeakyReLU(0.2, True))
        self.direct = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(w_in, w_out, 1, 1, 0, bias=False),
                                    nn.BatchNorm2d(w_out), nn.LeakyReLU(0.2, True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.main(x) + self.direct(x)) / 2


class Decoder(nn.Module):
    """An 8x8 feature map -> an image of side ``side`` (the paper's SimpleDecoder, narrower)."""

    def __init__(self, w_in: int, channels: int, side: int):
        super().__init__()
        layers: list[nn.Module] = []
        w = w_in
        for _ in range(int(math.log2(side // 8))):
            layers.append(up_block(w, max(w // 2, 8), double=False))
            w = max(w // 2, 8)
        layers += [nn.Conv2d(w, channels, 3, 1, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def image_quarter(x: torch.Tensor, part: int) -> torch.Tensor:
    """Quarter ``part`` (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) of images or feature maps."""
    h, w = x.shape[-2] // 2, x.shape[-1] // 2
    top, left = (part // 2) * h, (part % 2) * w
    return x[..., top:top + h, left:left + w]


class FastGANDiscriminator(nn.Module):
    """image (N, channels, size, size) -> patch logits (N, 25) from its 8x8 features.

    Called with ``part`` (a quarter index), it also returns ``{name: (reconstruction, target)}`` for
    the whole image (from the 8x8 features) and that quarter (from the 16x16 features). Targets are
    made here from D's own input, so they are the augmented image D saw. Conditional: a projection
    term <embed(y), pooled features> is added to every patch logit (Miyato & Koyama 2018).
    """

    def __init__(self, channels: int, size: int, width: int = 32, num_classes: int = 0):
        super().__init__()
        w = widths_by_side(size, width)
        self.stem = nn.Sequential(nn.Conv2d(channels, w[size], 3, 1, 1, bias=False), nn.LeakyReLU(0.2, True))
        sides = [side for side in sorted(w, reverse=True) if 8 <= side < size]
        self.downs = nn.ModuleDict({str(s): DownBlock(w[s * 2], w[s]) for s in sides})
        self.skips = discriminator_skips(size)
        self.excite = nn.ModuleDict({str(small): SkipLayerExcitation(w[big], w[small]) for big, small in self.skips})
        half = max(w[8] // 2, 8)
        self.head = nn.Sequential(nn.Conv2d(w[8], half, 1, 1, 0, bias=False), nn.BatchNorm2d(half),
                                  nn.LeakyReLU(0.2, True), nn.Conv2d(half, 1, 4, 1, 0, bias=False))
        self.embed = nn.Embedding(num_classes, w[8]) if num_classes else None
        self.side = reconstruction_side(size)
        self.decode_whole = Decoder(w[8], channels, self.side)
        self.decode_part = Decoder(w[16], channels, self.side)
        self.apply(init_dcgan_weights)
        apply_spectral_norm(self)

    def features(self, x: torch.Tensor) -> dict[int, torch.Tensor]:
        """D's feature map at every side from the image's down to 8."""
        return run_blocks(self.stem(x), self.downs, self.excite, {small: big for big, small in self.skips})

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, part: int | None = None):
        maps = self.features(x)
        logits = self.head(maps[8]).flatten(1)
        if self.embed is not None:
            logits = logits + (self.embed(labels) * maps[8].sum(dim=(2, 3))).sum(1, keepdim=True)
        if part is None:
            return logits
        quarter = image_quarter(maps[16], part)
        reconstructions = {
            "whole": (self.decode_whole(maps[8]), F.interpolate(x, size=self.side, mode="area")),
            "part": (self.decode_part(quarter), F.interpolate(image_quarter(x, part), size=self.side, mode="area")),
        }
        return logits, reconstructions

"""DiffAugment: Zhao, Liu, Lin, Zhu & Han 2020, Differentiable Augmentation for Data-Efficient GAN Training,
optionally at ADA's adaptive probability (Karras et al. 2020, Training GANs with Limited Data).

Every image D sees, real or fake, in D's step and in G's step, is augmented with the same random
transforms. Each transform is differentiable in the image, so G still gets a gradient through
it, and D can no longer memorise a small data set. The transforms and their ranges are the
paper's (images in [-1, 1]); randomness comes from the caller's generator for exact resume, drawn
for the whole global batch under torchrun (``per_sample``) so that K processes augment as one does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from artgan.ranks import per_sample


def _uniform(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One U[0, 1) draw per image, shaped to broadcast over (C, H, W)."""
    return per_sample(lambda n: torch.rand(n, 1, 1, 1, generator=generator, device=x.device, dtype=x.dtype), x.shape[0])


def color(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Brightness shift in [-0.5, 0.5], saturation scale in [0, 2], contrast scale in [0.5, 1.5]."""
    x = x + (_uniform(x, generator) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_uniform(x, generator) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x, generator) + 0.5) + mean


def translation(x: torch.Tensor, generator: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its side in x and y, filling with zeros."""
    n, _, h, w = x.shape
    shift = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy, dx = per_sample(lambda m: tuple(torch.randint(-s, s + 1, (m, 1), generator=generator, device=x.device) for s in shift), n)
    padded = F.pad(x, [shift[1], shift[1], shift[0], shift[0]])
    rows = torch.arange(h, device=x.device) + shift[0] - dy  # (n, h): source row of each output row
    cols = torch.arange(w, device=x.device) + shift[1] - dx
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, generator: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    """Zero (mid-grey) a square of ``ratio`` times the side at a random centre, clipped at the border."""
    n, _, h, w = x.shape
    size = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy, cx = per_sample(lambda m: tuple(torch.randint(0, side + (1 - s % 2), (m, 1, 1), generator=generator, device=x.device)
                                        for side, s in ((h, size[0]), (w, size[1]))), n)
    ys = torch.arange(h, device=x.device)[None, :, None] - (cy - size[0] // 2)
    xs = torch.arange(w, device=x.device)[None, None, :] - (cx - size[1] // 2)
    inside = (ys >= 0) & (ys < size[0]) & (xs >= 0) & (xs < size[1])
    return x * (~inside).unsqueeze(1).to(x.dtype)


TRANSFORMS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policy: list[str], generator: torch.Generator,
                 p: torch.Tensor | None = None) -> torch.Tensor:
    """Apply the named transforms in order (the paper's full policy is color, translation, cutout).

    ``p`` (a 0-d tensor, ADA's probability): each transform reaches each image with probability p
    instead of always; it stays on the device, so no step waits for the host.
    """
    for name in policy:
        if p is None:
            x = TRANSFORMS[name](x, generator)
        else:
            chosen = _uniform(x, generator) < p
            x = torch.where(chosen, TRANSFORMS[name](x, generator), x)
    return x


def ada_probability(p: torch.Tensor, real_sign: torch.Tensor, target: float, images: int, speed_images: int) -> torch.Tensor:
    """ADA's update (Karras et al. 2020, eq. 1 and section 3): p + sign(r_t - target) * images / speed, in [0, 1].

    ``real_sign`` is r_t = E[sign D(x)] over the last ``images`` real images: near 1 when D is sure
    of every real image (overfitting: augment more), lower when it is not (augment less).
    """
    return (p + torch.sign(real_sign - target) * (images / speed_images)).clamp(0.0, 1.0)

"""Walks through a generator's latent space: interpolations and same-noise-every-class grids.

Shared by `artgan show` and the web app, so both draw exactly the same pictures.
"""

from __future__ import annotations

import torch

from artgan.generation import LoadedGenerator


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between latent batches ``a`` and ``b`` (White 2016, Sampling Generative
    Networks): Gaussian noise lives near a sphere, and a straight line cuts through its low-density
    middle, where generators draw washed-out images.

    ``a``, ``b``: (N, D); ``t``: (T,) in [0, 1]. Returns (N, T, D).
    """
    a_unit = a / a.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    b_unit = b / b.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    omega = torch.arccos((a_unit * b_unit).sum(-1).clamp(-1 + 1e-7, 1 - 1e-7))[:, None, None]  # (N, 1, 1)
    t = t.to(a.dtype)[None, :, None]
    sin_omega = torch.sin(omega)
    straight = sin_omega.abs() < 1e-4  # (nearly) parallel vectors: slerp tends to lerp
    weights_a = torch.where(straight, 1 - t, torch.sin((1 - t) * omega) / sin_omega)
    weights_b = torch.where(straight, t, torch.sin(t * omega) / sin_omega)
    return weights_a * a[:, None, :] + weights_b * b[:, None, :]


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Straight-line interpolation, (N, D) x (N, D) x (T,) -> (N, T, D)."""
    t = t.to(a.dtype)[None, :, None]
    return (1 - t) * a[:, None, :] + t * b[:, None, :]


def interpolation_images(model: LoadedGenerator, rows: int = 4, steps: int = 8, seed: int = 0,
                         spherical: bool = True, class_name: str | None = None,
                         seeds: list[int] | None = None) -> torch.Tensor:
    """``rows`` walks of ``steps`` images each between random latent pairs: uint8 (rows*steps, C, H, W),
    row-major, ready for ``make_grid(images, columns=steps)``. With ``seeds`` the walks go from each
    chosen seed's image to the next one's instead (seed A -> B, B -> C, ...), and ``rows`` is ignored."""
    if seeds:
        if len(seeds) < 2:
            raise ValueError("a walk between chosen seeds needs at least two seeds")
        points = torch.cat([model.noise(1, s) for s in seeds])
        starts, ends, rows = points[:-1], points[1:], len(seeds) - 1
    else:
        points = model.noise(2 * rows, seed)
        starts, ends = points[:rows], points[rows:]
    path = (slerp if spherical else lerp)(starts, ends, torch.linspace(0, 1, steps))
    z = path.reshape(rows * steps, -1)
    labels = None
    if model.conditional:
        label = model.class_index(class_name) if class_name is not None else None
        labels = torch.full((len(z),), label) if label is not None else (torch.arange(rows) % len(model.class_names)).repeat_interleave(steps)
    return model(z, labels)


def class_grid_images(model: LoadedGenerator, per_class: int = 8, seed: int = 0) -> torch.Tensor:
    """The same ``per_class`` noise vectors rendered as every class: row = class, column = noise.
    Shows what the label controls and what the noise controls (the cDCGAN/ACGAN reports' figure).
    Returns uint8 (classes*per_class, C, H, W); use ``make_grid(images, columns=per_class)``."""
    if not model.conditional:
        raise ValueError(f"a class grid needs a conditional model; {model.variant.name} is unconditional")
    classes = len(model.class_names)
    z = model.noise(per_class, seed).repeat(classes, 1)
    labels = torch.arange(classes).repeat_interleave(per_class)
    return model(z, labels)


def nearby_latents(z: torch.Tensor, count: int, strength: float, seed: int = 0) -> torch.Tensor:
    """``count`` small random steps around one latent vector ``z`` (D,): "more like this".

    The step is Gaussian with standard deviation ``strength`` per dimension; since z ~ N(0, I),
    0.1 to 0.3 keeps the picture's layout and changes its details, 1.0 is a new picture.
    Returns (count, D)."""
    steps = torch.randn(count, z.shape[-1], generator=torch.Generator().manual_seed(seed))
    return z.reshape(1, -1).cpu() + strength * steps

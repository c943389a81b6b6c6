"""Find an image in a model: GAN inversion by optimizing the latent vector (and the class).

As stylegan2-ada-pytorch's ``projector.py`` (Karras et al. 2020) does: start from the best of a
batch of random latents, then Adam on the latent with a learning rate that ramps up and down,
towards an image loss. Our generators have no mapping network, so the latent is z itself, kept
near the sphere Gaussian noise lives on by a small penalty on its norm. The loss is the pixels'
mean squared error plus the distance in the evaluation's feature space (the run's domain
classifier, when `artgan evaluate` has trained one) plus VGG-19 perceptual features when those
weights are on disk (the projector's LPIPS stand-in). Conditional runs also choose a class: each
is tried for a short budget, and the best one is optimized to the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from artgan.data import to_float, to_uint8
from artgan.data.preprocess import prepare_image
from artgan.generation import LoadedGenerator

START_CANDIDATES = 256  # random latents scored to pick the start
CLASS_TRIAL_FRACTION = 0.2  # of the steps, spent on each class of a conditional run before choosing
VGG_LAYERS = ("relu2_2", "relu3_3")


@dataclass
class Projection:
    latent: torch.Tensor  # (latent_dim,)
    class_index: int | None
    image: torch.Tensor  # uint8 (C, H, W)
    target: torch.Tensor  # uint8 (C, H, W): the artwork as the model's data was prepared
    pixel_rmse: float  # in grey levels, 0..255
    feature_distance: float | None  # in the evaluation's feature space, when there is one
    start_rmse: float = float("nan")  # of the best random latent: what optimizing gained
    losses: list[float] = field(default_factory=list)
    terms: tuple[str, ...] = ()


class ImageLoss:
    """Pixels + evaluation features (+ VGG): one number per image, lower is closer."""

    def __init__(self, target: torch.Tensor, features: torch.nn.Module | None = None, vgg: torch.nn.Module | None = None):
        self.target = target  # float (1, C, H, W) in [-1, 1]
        self.features, self.vgg = features, vgg
        self.terms = ("pixels",) + (("features",) if features is not None else ()) + (("vgg",) if vgg is not None else ())
        with torch.no_grad():
            self.target_features = features(target)[0] if features is not None else None
            self.target_vgg = self._vgg(target) if vgg is not None else None

    def _vgg(self, images: torch.Tensor) -> list[torch.Tensor]:
        rgb = images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
        rgb = F.interpolate((rgb + 1) / 2, size=max(64, rgb.shape[-1]), mode="bilinear", align_corners=False)
        return list(self.vgg(rgb, VGG_LAYERS).values())

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        loss = (images - self.target).pow(2).flatten(1).mean(1)
        if self.features is not None:
            mine = self.features(images)[0]
            loss = loss + (mine - self.target_features).pow(2).mean(1) / self.target_features.pow(2).mean().clamp_min(1e-8)
        if self.vgg is not None:
            for mine, theirs in zip(self._vgg(images), self.target_vgg):
                loss = loss + (mine - theirs).pow(2).flatten(1).mean(1) / theirs.pow(2).mean().clamp_min(1e-8)
        return loss


def prepare_target(image: Image.Image, model: LoadedGenerator) -> torch.Tensor:
    """The artwork resized and cropped as the run's training images were: uint8 (C, H, W)."""
    return torch.from_numpy(prepare_image(image, model.config.data.size, model.variant.channels).copy())


def project(model: LoadedGenerator, image: Image.Image, steps: int = 300, seed: int = 0, lr: float = 0.05,
            features: torch.nn.Module | None = None, vgg: torch.nn.Module | None = None,
            progress: Callable[[int, int, float], None] | None = None) -> Projection:
    """Optimize a latent (and the class) so the generator draws ``image`` as closely as it can."""
    generator = model.generator
    for parameter in generator.parameters():
        parameter.requires_grad_(False)
    target_uint8 = prepare_target(image, model)
    target = to_float(target_uint8[None]).to(model.device)
    loss_of = ImageLoss(target, features, vgg)
    classes = list(range(len(model.class_names))) if model.conditional and model.class_names else [None]
    trial = max(1, int(steps * CLASS_TRIAL_FRACTION)) if len(classes) > 1 else 0
    total = trial * len(classes) + steps
    done = [0]

    def report(loss: float) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total, loss)

    candidates = []
    for label in classes:
        z = best_start(model, loss_of, label, seed)
        if trial:
            z, loss, _ = optimize(model, loss_of, z, label, trial, lr, report)
        else:
            loss = float("inf")
        candidates.append((loss, label, z))
    _, label, z = min(candidates, key=lambda c: c[0])
    start_rmse = rmse_of(model, z, label, target_uint8)
    z, _, losses = optimize(model, loss_of, z, label, steps, lr, report)
    with torch.no_grad():
        drawn = generator(z[None], labels_of(label, model))
        distance = None
        if features is not None:
            distance = float((features(drawn)[0] - loss_of.target_features).norm())
    image_uint8 = to_uint8(drawn)[0].cpu()
    return Projection(z.detach().cpu(), label, image_uint8, target_uint8, rmse_of(model, z, label, target_uint8),
                      distance, start_rmse, losses, loss_of.terms)


@torch.no_grad()
def rmse_of(model: LoadedGenerator, z: torch.Tensor, label: int | None, target: torch.Tensor) -> float:
    """Root mean squared difference in grey levels (0..255) between z's image and the target."""
    image = to_uint8(model.generator(z[None], labels_of(label, model)))[0].cpu()
    return float((image.float() - target.float()).pow(2).mean().sqrt())


def labels_of(label: int | None, model: LoadedGenerator, n: int = 1) -> torch.Tensor | None:
    return None if label is None else torch.full((n,), label, device=model.device)


@torch.no_grad()
def best_start(model: LoadedGenerator, loss_of: ImageLoss, label: int | None, seed: int) -> torch.Tensor:
    """The random latent whose image is already closest: a start in the right basin."""
    z = model.noise(START_CANDIDATES, seed)
    losses = torch.cat([loss_of(model.generator(chunk, labels_of(label, model, len(chunk))))
                        for chunk in z.split(64)])
    return z[int(losses.argmin())].clone()


def optimize(model: LoadedGenerator, loss_of: ImageLoss, z: torch.Tensor, label: int | None, steps: int, lr: float,
             report: Callable[[float], None]) -> tuple[torch.Tensor, float, list[float]]:
    """Adam on z with stylegan2-ada's schedule: ramp up over the first 5 %, cosine down over the last 25 %."""
    z = z.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr, betas=(0.9, 0.999))
    labels, dim, losses = labels_of(label, model), z.numel(), []
    for step in range(steps):
        t = (step + 1) / steps
        ramp = 0.5 - 0.5 * math.cos(min(1.0, (1 - t) / 0.25 + 1 / steps) * math.pi)
        for group in optimizer.param_groups:
            group["lr"] = lr * ramp * min(1.0, t / 0.05)
        image = model.generator(z[None], labels)
        norm_penalty = (z.pow(2).sum() / dim - 1).pow(2)  # stay where Gaussian z lives
        loss = loss_of(image)[0] + 0.01 * norm_penalty
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        report(losses[-1])
    return z.detach(), min(losses) if losses else float("inf"), losses


def save_latent(projection: Projection, path: str | Path) -> Path:
    """The latent as a (1, latent_dim) float32 .npy, the shape `artgan generate --latent` reads."""
    path = Path(path)
    np.save(path, projection.latent.numpy().astype(np.float32)[None])
    return path


def read_latent(path: str | Path, latent_dim: int) -> torch.Tensor:
    """Latents from a .npy file: (latent_dim,) or (N, latent_dim); a clear error otherwise."""
    from artgan.errors import ArtganError

    try:
        array = np.load(Path(path), allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ArtganError(f"--latent {str(path)!r} is not a readable .npy file ({error}); "
                          "use the latent.npy that `artgan project` writes") from None
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] != latent_dim or not np.issubdtype(array.dtype, np.floating):
        raise ArtganError(f"--latent {str(path)!r} holds an array of shape {array.shape} ({array.dtype}); this run "
                          f"needs floats of shape (N, {latent_dim})")
    return torch.from_numpy(array.astype(np.float32))

"""The losses of neural style transfer, on VGG activations of shape (B, C, H, W)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from artgan.errors import ArtganError


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of activations (Gatys et al. 2016, eq. 1)."""
    return F.mse_loss(features.float(), target.float())


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Channel co-activations, (B, C, C), normalised by C*H*W so that image size does not scale it.

    Computed in fp32 even under bf16 autocast: a sum over H*W products loses too much in bf16.
    """
    b, c, h, w = features.shape
    flat = features.float().reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def style_loss(features: dict[str, torch.Tensor], target_grams: dict[str, torch.Tensor],
               layer_weights: dict[str, float] | None = None) -> torch.Tensor:
    """Weighted sum over layers of the squared Gram difference (Gatys et al. 2016, eqs. 3-5)."""
    total = 0.0
    for name, target in target_grams.items():
        weight = layer_weights[name] if layer_weights else 1.0 / len(target_grams)
        total = total + weight * F.mse_loss(gram_matrix(features[name]), target.expand(len(features[name]), -1, -1))
    return total


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring pixels: discourages high-frequency noise
    (Mahendran & Vedaldi 2015; Johnson et al. 2016)."""
    dy = images[..., 1:, :] - images[..., :-1, :]
    dx = images[..., :, 1:] - images[..., :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()


def channel_mean_std(features: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel mean and standard deviation, each (B, C, 1, 1)."""
    flat = features.float().flatten(2)
    mean = flat.mean(2)
    std = (flat.var(2, unbiased=False) + eps).sqrt()
    return mean[..., None, None], std[..., None, None]


def moment_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared difference of channel means and standard deviations: the AdaIN decoder's style
    loss (Huang & Belongie 2017, eq. 4)."""
    mean, std = channel_mean_std(features)
    target_mean, target_std = channel_mean_std(target)
    return F.mse_loss(mean, target_mean) + F.mse_loss(std, target_std)


def blend_weights(blend: list[float] | None, count: int) -> torch.Tensor:
    """Weights of ``count`` style images summing to 1 (equal when ``blend`` is empty)."""
    weights = torch.tensor(blend or [1.0] * count, dtype=torch.float32)
    if len(weights) != count or (weights < 0).any() or weights.sum() <= 0:
        raise ArtganError(f"--style-blend needs {count} non-negative weights (one per style image), got {blend}")
    return weights / weights.sum()

"""Optimization-based style transfer (Gatys, Ecker & Bethge, CVPR 2016).

The output image itself is optimized so that its VGG-19 conv4_2 activations match the content
image's and its Gram matrices at conv1_1..conv5_1 match the style image's (a weighted blend of
several styles' Grams, if given). Large outputs are made coarse to fine (Gatys et al. 2017): each
scale starts from the previous result upsampled, so the big strokes are settled where pixels are
cheap and the fine scale only adds detail.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from artgan.errors import ArtganError
from artgan.style.losses import blend_weights, content_loss, gram_matrix, style_loss, total_variation
from artgan.style.settings import GatysSettings
from artgan.style.vgg import VGG19Features

CONTENT_LAYERS = ("conv4_2",)
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
FINEST_SINGLE_SCALE = 512  # above this, the default is coarse-to-fine with 512 px as the first scale


@dataclass
class LossRecord:
    step: int
    content: float
    style: float
    tv: float
    total: float


def scale_sizes(size: int, scales: int) -> list[int]:
    """Long sides of the scales, coarse to fine, each twice the last: 1024 -> [512, 1024]."""
    if scales <= 0:
        scales = 1 + max(0, math.ceil(math.log2(size / FINEST_SINGLE_SCALE)))
    return [max(32, round(size / 2 ** k)) for k in reversed(range(scales))]


def resize_long_side(images: torch.Tensor, long_side: int) -> torch.Tensor:
    height, width = images.shape[-2:]
    scale = long_side / max(height, width)
    target = (max(8, round(height * scale)), max(8, round(width * scale)))
    if target == (height, width):
        return images
    return F.interpolate(images, size=target, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)


def blended_style_grams(vgg: VGG19Features, styles: list[torch.Tensor], blend: list[float],
                        long_side: int, autocast) -> dict[str, torch.Tensor]:
    """The Gram target of each style layer: the weighted mean of every style image's Grams."""
    weights = blend_weights(blend, len(styles))
    grams: dict[str, torch.Tensor] = {}
    for weight, style in zip(weights, styles):
        with torch.no_grad(), autocast():
            features = vgg(resize_long_side(style, long_side), STYLE_LAYERS)
        for name in STYLE_LAYERS:
            grams[name] = grams.get(name, 0) + weight * gram_matrix(features[name])
    return grams


def gatys_transfer(vgg: VGG19Features, content: torch.Tensor, styles: list[torch.Tensor],
                   settings: GatysSettings | None = None, strength: float = 1.0,
                   progress: Callable[[float], None] | None = None, show_bar: bool = True,
                   autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
                   ) -> tuple[torch.Tensor, list[LossRecord]]:
    """Stylize ``content`` (1, 3, H, W in [0, 1]) with ``styles``; returns the image and the losses.

    ``strength`` multiplies the style weight (0 gives back the content image).
    """
    settings = settings or GatysSettings()
    if settings.optimizer not in ("lbfgs", "adam") or settings.init not in ("content", "noise"):
        raise ArtganError(f"unknown optimizer {settings.optimizer!r} or init {settings.init!r}: "
                          "use --optimizer lbfgs|adam and --init content|noise")
    sizes = scale_sizes(max(content.shape[-2:]), settings.scales)
    total_steps = settings.steps * len(sizes)
    history: list[LossRecord] = []
    bar = tqdm(total=total_steps, desc="style transfer", unit="step", disable=not show_bar, leave=False)
    image, done = None, itertools.count(1)
    for long_side in sizes:
        target = resize_long_side(content, long_side)
        if image is None:
            image = initial_image(target, settings)
        else:  # the coarser scale's result, upsampled, is this scale's start
            image = F.interpolate(image, size=target.shape[-2:], mode="bicubic", align_corners=False).clamp(0, 1)
        with torch.no_grad(), autocast():
            content_target = vgg(target, CONTENT_LAYERS)[CONTENT_LAYERS[0]].float()
        grams = blended_style_grams(vgg, styles, settings.style_blend, long_side, autocast)
        image = optimize_scale(vgg, image, content_target, grams, settings, strength, history, autocast,
                               on_step=lambda: step_done(bar, history[-1], next(done) / total_steps, progress))
    bar.close()
    return image.detach(), history


def initial_image(content: torch.Tensor, settings: GatysSettings) -> torch.Tensor:
    if settings.init == "content":
        return content.clone()
    generator = torch.Generator().manual_seed(settings.seed)
    return torch.rand(content.shape, generator=generator).to(content.device)


def optimize_scale(vgg, image, content_target, grams, settings, strength, history, autocast, on_step) -> torch.Tensor:
    """``settings.steps`` loss evaluations (one forward and backward pass each) of the image."""
    image = image.contiguous().clone().requires_grad_(True)
    lbfgs = settings.optimizer == "lbfgs"
    # L-BFGS needs its line search here: without one its second step overshoots by orders of
    # magnitude and the loss zig-zags. Its evaluations, trial points included, are the steps.
    optimizer = (torch.optim.LBFGS([image], lr=1, max_iter=20, history_size=50, line_search_fn="strong_wolfe")
                 if lbfgs else torch.optim.Adam([image], lr=settings.lr))
    layers = CONTENT_LAYERS + STYLE_LAYERS
    weights = (settings.content_weight, settings.style_weight * strength, settings.tv_weight)
    start = len(history)

    def closure():
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            features = vgg(image, layers)
        losses = [w * loss for w, loss in zip(weights, (content_loss(features[CONTENT_LAYERS[0]], content_target),
                                                          style_loss(features, grams), total_variation(image)))]
        total = sum(losses)
        total.backward()
        history.append(LossRecord(len(history) + 1, *(float(loss.detach()) for loss in losses), float(total.detach())))
        on_step()
        return total

    while (done := len(history) - start) < settings.steps:
        if lbfgs:  # never evaluate past the budget, and stop once L-BFGS has converged
            optimizer.param_groups[0].update(max_eval=settings.steps - done, max_iter=settings.steps - done)
            optimizer.step(closure)
            if len(history) - start - done <= 1:
                break
        else:
            optimizer.step(closure)
            with torch.no_grad():
                image.clamp_(0, 1)
    return image.detach().clamp(0, 1)


def step_done(bar, last: LossRecord, fraction: float, progress) -> None:
    bar.update(1)
    bar.set_postfix(content=f"{last.content:.3g}", style=f"{last.style:.3g}", tv=f"{last.tv:.3g}", refresh=False)
    if progress is not None:
        progress(min(1.0, fraction))  # L-BFGS may finish a line search a few evaluations past the budget

"""One entry point for both kinds of style transfer, shared by the CLI, the app and the benchmark:
PIL images in, a PIL image (and the losses, for the optimization) out."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from PIL import Image

from artgan.errors import ArtganError
from artgan.style.adain import AdaIN, default_decoder_path, load_decoder
from artgan.style.gatys import LossRecord, gatys_transfer
from artgan.style.io import check_size, image_to_tensor, preserve_color, tensor_to_image
from artgan.style.settings import GatysSettings
from artgan.style.vgg import VGG19Features, find_weights, load_vgg

MODES = ("fast", "full")


@dataclass
class TransferResult:
    image: Image.Image
    losses: list[LossRecord]  # one per optimization step (empty in fast mode)
    seconds: float


def cached_vgg(weights: str | None, pool: str = "max") -> VGG19Features:
    """Loading 548 MB of weights takes seconds: an app stylizing many images loads them once
    (cached by the file they resolve to, so a changed $ARTGAN_VGG_WEIGHTS is seen)."""
    key = weights if weights and weights.startswith("random") else str(find_weights(weights))
    return _load_vgg(key, pool)


@lru_cache(maxsize=2)
def _load_vgg(weights: str, pool: str) -> VGG19Features:
    return load_vgg(weights, pool)


def autocast_for(precision: str, device: torch.device) -> Callable[[], contextlib.AbstractContextManager]:
    if precision == "fp32":
        return contextlib.nullcontext
    if precision == "bf16":
        return lambda: torch.autocast(device.type, dtype=torch.bfloat16)
    raise ArtganError(f"unknown precision {precision!r}: use fp32 or bf16")


def transfer(content: Image.Image, styles: list[Image.Image], mode: str = "full", size: int = 256,
             strength: float = 1.0, settings: GatysSettings | None = None, weights: str | None = None,
             decoder: str | Path | None = None, device: str = "cpu", precision: str = "fp32",
             keep_colors: bool = False, progress: Callable[[float], None] | None = None,
             show_bar: bool = True, vgg: VGG19Features | None = None) -> TransferResult:
    """Paint ``content`` in the style of ``styles`` (blended by ``settings.style_blend``).

    ``mode="fast"`` is AdaIN with a trained decoder; ``"full"`` is Gatys' optimization.
    ``strength`` is the share of style: AdaIN's alpha in [0, 1], or a multiplier of the style weight.
    """
    import time

    from artgan.device import resolve_device

    if mode not in MODES:
        raise ArtganError(f"unknown mode {mode!r}: use fast (AdaIN, needs a trained decoder) or full (optimization)")
    if not styles:
        raise ArtganError("give at least one style image")
    if strength < 0 or (mode == "fast" and strength > 1):
        raise ArtganError(f"--strength {strength}: use 0 to 1 in fast mode, any value >= 0 in full mode")
    settings = settings or GatysSettings()
    if mode == "full" and settings.steps < 1:
        raise ArtganError(f"--steps must be at least 1, got {settings.steps}")
    target = resolve_device(device)
    check_size(size, mode, target)
    started = time.perf_counter()
    vgg = (vgg or cached_vgg(weights, "max")).to(target)
    autocast = autocast_for(precision, target)
    content_tensor = image_to_tensor(content, size).to(target)
    style_tensors = [image_to_tensor(style, size).to(target) for style in styles]
    losses: list[LossRecord] = []
    if mode == "fast":
        model = AdaIN(vgg, load_decoder(vgg, decoder or default_decoder_path())).to(target)
        with torch.no_grad(), autocast():
            output = model(content_tensor, style_tensors, strength, settings.style_blend)
        if progress is not None:
            progress(1.0)
    else:
        output, losses = gatys_transfer(vgg, content_tensor, style_tensors, settings, strength, progress, show_bar, autocast)
    image = tensor_to_image(output)
    if keep_colors:
        image = preserve_color(image, content)
    return TransferResult(image, losses, time.perf_counter() - started)

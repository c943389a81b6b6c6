"""Neural style transfer: paint a photo (or a GAN sample) in the style of an artwork.

Two ways, one VGG-19 (``vgg.py``, torchvision-compatible weights, no torchvision):
- ``full``: Gatys et al. (2016) optimize the image itself (``gatys.py``); best quality, slow.
- ``fast``: AdaIN (Huang & Belongie 2017), one forward pass through a decoder trained once with
  ``artgan style train-decoder`` (``adain.py``, ``train_decoder.py``); interactive.

``stylize`` is the one call an application needs; ``transfer`` (``transfer.py``) has every knob.
This module imports no torch, so that `artgan --help` stays instant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from artgan.style.settings import GatysSettings

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["stylize", "GatysSettings"]


def stylize(content: Image.Image, style: Image.Image, mode: str = "fast", steps: int = 200, size: int = 256,
            strength: float = 1.0, progress: Callable[[float], None] | None = None,
            weights: str | None = None) -> Image.Image:
    """``content`` painted in ``style``'s style, ``size`` px on its longer side.

    ``mode``: ``"fast"`` (AdaIN; needs the decoder trained by ``artgan style train-decoder``) or
    ``"full"`` (Gatys optimization, ``steps`` L-BFGS steps). ``strength``: how much style (0 =
    the content). ``progress`` is called with the fraction done. ``weights``: the VGG-19 weight
    file (default: ``$ARTGAN_VGG_WEIGHTS``, the cache, or a download). Raises ``ArtganError``
    saying what to download, or to train, when weights are missing.
    """
    from artgan.style.io import flatten_to_rgb
    from artgan.style.transfer import transfer

    result = transfer(flatten_to_rgb(content), [flatten_to_rgb(style)], mode=mode, size=size, strength=strength,
                      settings=GatysSettings(steps=steps), weights=weights, device="auto",
                      progress=progress, show_bar=False)
    return result.image

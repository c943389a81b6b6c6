"""Spectral normalisation (Miyato et al. 2018) applied to every layer of a network.

Each convolution and linear weight is divided by its largest singular value, estimated by one
power iteration per forward pass, so every layer is 1-Lipschitz and D cannot sharpen without bound.
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral-normalise every Conv2d, ConvTranspose2d, Linear and Embedding in ``module``, in place."""
    for child in list(module.modules()):
        if isinstance(child, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            spectral_norm(child)
    return module

"""Which device a name means: a leaf module (torch only), so that training, sampling a run and
style transfer resolve ``--device`` the same way without importing one another."""

from __future__ import annotations

import torch

from artgan.errors import ArtganError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ArtganError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ArtganError(f"device {name!r} asked for, but this PyTorch sees no CUDA GPU; use --device cpu")
    return device

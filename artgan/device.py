"""Which device a name means: a leaf module (torch only), so that training, sampling a run and
style transfer resolve ``--device`` the same way without importing one another."""

from __future__ import annotations

import torch

from artgan.errors import ArtganError


def mps_available() -> bool:
    """Apple-Silicon GPUs (Metal), which PyTorch builds for macOS have."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str) -> torch.device:
    """``auto``: a CUDA GPU, else Apple's MPS, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if mps_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ArtganError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ArtganError(f"device {name!r} asked for, but this PyTorch sees no CUDA GPU; use --device cpu or auto")
    if device.type == "mps" and not mps_available():
        raise ArtganError(f"device {name!r} asked for, but this PyTorch sees no Apple-Silicon GPU (MPS); "
                          f"use --device cpu or auto")
    return device

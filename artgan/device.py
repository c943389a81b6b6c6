"""Which device a name means, and which precisions its hardware computes natively: a leaf module
(torch only), so that training, sampling a run and style transfer decide both the same way
without importing one another."""

from __future__ import annotations

from functools import lru_cache

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


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "mixed": torch.bfloat16, "fp16": torch.float16}


@lru_cache(maxsize=1)
def cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as file:
            return file.read()
    except OSError:
        return ""


def cpu_precision(flags: str) -> str:
    """bf16 on AMX tiles (Sapphire Rapids and later), mixed on AVX-512-BF16 alone, else fp32."""
    flags = set(flags.split())
    if "amx_bf16" in flags:
        return "bf16"
    return "mixed" if "avx512_bf16" in flags else "fp32"


def flags_precision() -> str:
    """What this CPU's flags say trains fastest (benchmarks/README.md), for runs that do not measure."""
    return cpu_precision(cpu_flags())


def bf16_is_emulated(device: torch.device) -> bool:
    """A CPU without AVX-512-BF16 or AMX computes bf16 by converting to fp32 and back: 3-100x slower."""
    return device.type == "cpu" and flags_precision() == "fp32"


def native_precisions(device: torch.device) -> tuple[str, ...]:
    """The precisions worth timing on ``device``: those its hardware computes natively."""
    if device.type == "cuda":
        return ("bf16", "fp32") if torch.cuda.is_bf16_supported() else ("fp16", "fp32")
    if device.type != "cpu":  # MPS: autocast there was never measured (no Apple machine was available)
        return ("fp32",)
    return ("fp32",) if bf16_is_emulated(device) else ("fp32", "mixed", "bf16")

"""Device and numeric precision: one object that the loop asks to autocast and to step.

``auto`` picks what trains fastest, as measured in benchmarks/README.md: bf16 autocast on GPUs
(fp16 where bf16 is missing) and on AMX CPUs, but fp32 on CPUs that have only AVX-512-BF16,
because there oneDNN's bf16 *weight-gradient* convolution kernel runs 5-8x slower than fp32 and
makes whole DCGAN networks about 2x slower to train, although bf16 forward passes are faster.
fp16 needs loss scaling, so it brings one GradScaler per optimiser.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import Callable

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


@lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """AMX tiles (Sapphire Rapids and later); AVX-512-BF16 alone trains convolutions slower than fp32."""
    try:
        with open("/proc/cpuinfo") as file:
            flags = file.read()
    except OSError:
        return False
    return fast_bf16_flags(flags)


def fast_bf16_flags(cpu_flags: str) -> bool:
    return "amx_bf16" in cpu_flags.split()


def resolve_dtype(precision: str, device: torch.device) -> torch.dtype:
    if precision == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if cpu_has_fast_bf16() else torch.float32
    if precision == "fp16" and device.type != "cuda":
        raise ArtganError("--precision fp16 needs a CUDA GPU; on CPU use bf16 or fp32")
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


class Precision:
    def __init__(self, precision: str, device: torch.device):
        self.device = device
        self.dtype = resolve_dtype(precision, device)
        self.scalers: dict[int, torch.amp.GradScaler] = {}

    @property
    def name(self) -> str:
        return {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]

    def autocast(self):
        if self.dtype == torch.float32:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def backward_and_step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer,
                          before_step: Callable[[torch.optim.Optimizer], None] | None = None) -> None:
        """``before_step(optimizer)`` sees the true (unscaled) gradients, e.g. to measure or clip them."""
        optimizer.zero_grad(set_to_none=True)
        if self.dtype != torch.float16:
            loss.backward()
            if before_step is not None:
                before_step(optimizer)
            optimizer.step()
            return
        scaler = self.scalers.setdefault(id(optimizer), torch.amp.GradScaler("cuda"))
        scaler.scale(loss).backward()
        if before_step is not None:
            scaler.unscale_(optimizer)
            before_step(optimizer)
        scaler.step(optimizer)
        scaler.update()

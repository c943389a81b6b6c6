"""Device and numeric precision: one object that the loop asks to autocast and to step.

Which precision ``auto`` becomes is measured at start (``artgan.training.calibration``) among
``native_precisions``: fp32 everywhere; bf16 autocast and ``mixed`` (bf16 forward and
input-gradient convolutions, fp32 weight gradients, because oneDNN's bf16 weight-gradient kernel
on AVX-512-BF16 CPUs crawls when its threads share the cores) where the hardware has bf16
arithmetic. Without calibration (``--no-calibrate``, torchrun) ``cpu_precision`` picks from the
CPU flags what benchmarks/README.md measured fastest: bf16 on AMX CPUs, mixed on AVX-512-BF16
alone, fp32 elsewhere. fp16 needs loss scaling, so it brings one GradScaler per optimiser."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import Callable

import torch

from artgan.errors import ArtganError
from artgan.training.mixed_convolution import MixedConvolutions


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


def bf16_is_emulated(device: torch.device) -> bool:
    """A CPU without AVX-512-BF16 or AMX computes bf16 by converting to fp32 and back: 3-100x slower."""
    return device.type == "cpu" and cpu_precision(cpu_flags()) == "fp32"


def native_precisions(device: torch.device) -> tuple[str, ...]:
    """The precisions worth timing on ``device``: those its hardware computes natively."""
    if device.type == "cuda":
        return ("bf16", "fp32") if torch.cuda.is_bf16_supported() else ("fp16", "fp32")
    return ("fp32",) if bf16_is_emulated(device) else ("fp32", "mixed", "bf16")


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` made concrete for this device: fp32, bf16, mixed or fp16."""
    if precision == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        if device.type == "mps":  # fp32: autocast on MPS was not measured (no Apple machine was available)
            return "fp32"
        return cpu_precision(cpu_flags())
    if precision == "fp16" and device.type != "cuda":
        raise ArtganError("--precision fp16 needs a CUDA GPU; on CPU use bf16, mixed or fp32")
    return precision


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "mixed": torch.bfloat16, "fp16": torch.float16}


@contextlib.contextmanager
def _mixed_autocast(device_type: str):
    with torch.autocast(device_type, dtype=torch.bfloat16), MixedConvolutions():
        yield


class Precision:
    def __init__(self, precision: str, device: torch.device):
        self.device = device
        self.name = resolve_precision(precision, device)
        self.dtype = DTYPES[self.name]
        self.scalers: dict[int, torch.amp.GradScaler] = {}

    def autocast(self):
        if self.dtype == torch.float32:
            return contextlib.nullcontext()
        if self.name == "mixed":  # bf16 autocast, but trainable convolutions' weight gradients in fp32
            return _mixed_autocast(self.device.type)
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

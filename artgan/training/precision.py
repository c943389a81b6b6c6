"""Device and numeric precision: one object that the loop asks to autocast and to step.

Which precision ``auto`` becomes is measured at start (``artgan.training.calibration``) among
``native_precisions``: fp32 everywhere; bf16 autocast and ``mixed`` (bf16 forward and
input-gradient convolutions, fp32 weight gradients, because oneDNN's bf16 weight-gradient kernel
on AVX-512-BF16 CPUs crawls when its threads share the cores) where the hardware has bf16
arithmetic (``artgan.device``). Without calibration (``--no-calibrate``, torchrun) ``cpu_precision`` picks from the
CPU flags what benchmarks/README.md measured fastest: bf16 on AMX CPUs, mixed on AVX-512-BF16
alone, fp32 elsewhere. fp16 needs loss scaling, so it brings one GradScaler per optimizer."""

from __future__ import annotations

import contextlib
from typing import Callable

import torch

from artgan.device import DTYPES, cpu_precision, flags_precision  # noqa: F401 (cpu_precision: the flags rule, named here too)
from artgan.errors import ArtganError
from artgan.training.mixed_convolution import MixedConvolutions


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` made concrete for this device: fp32, bf16, mixed or fp16."""
    if precision == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        if device.type == "mps":  # fp32: autocast on MPS was not measured (no Apple machine was available)
            return "fp32"
        return flags_precision()
    if precision == "fp16" and device.type != "cuda":
        raise ArtganError("--precision fp16 needs a CUDA GPU; on CPU use bf16, mixed or fp32")
    return precision


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

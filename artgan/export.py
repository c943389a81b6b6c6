"""A run's generator as a file that runs without artgan: ONNX (onnxruntime, browsers, C++) or
TorchScript (``torch.jit.load`` in any PyTorch program).

Both take latent vectors ``z`` (N, latent_dim), float32, drawn from N(0, I) (and, for a conditional
model, class indices ``labels`` (N,), int64), and return images (N, C, H, W) in [-1, 1]; N is free.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from artgan.errors import ArtganError
from artgan.generation import LoadedGenerator

FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
OPSET = 18  # onnxruntime 1.16 and later; torch's exporter writes 18 and up


class ExportedGenerator(nn.Module):
    """The generator with its signature made explicit: ``(z)`` or ``(z, labels)``, no optional arguments."""

    def __init__(self, generator: nn.Module, conditional: bool):
        super().__init__()
        self.generator, self.conditional = generator, conditional

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, labels if self.conditional else None)


def example_inputs(model: LoadedGenerator, n: int = 2) -> tuple[torch.Tensor, ...]:
    z = torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(0))
    return (z, torch.arange(n) % len(model.class_names)) if model.conditional else (z,)


def export_generator(model: LoadedGenerator, path: str | Path, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise ArtganError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
    module = ExportedGenerator(model.generator.float().cpu().eval(), model.conditional).eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    (export_onnx if fmt == "onnx" else export_torchscript)(module, example_inputs(model), path)
    return path


def export_torchscript(module: nn.Module, inputs: tuple[torch.Tensor, ...], path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice: the traced file still loads everywhere
        traced = torch.jit.trace(module, inputs, check_trace=False)
    traced.save(str(path))


def export_onnx(module: nn.Module, inputs: tuple[torch.Tensor, ...], path: Path) -> None:
    for package in ("onnx", "onnxscript"):
        try:
            __import__(package)
        except ImportError:
            raise ArtganError(f"ONNX export needs the {package} package: pip install -e '.[export]' "
                              f"(or use --format torchscript)") from None
    names = ["z", "labels"][:len(inputs)]
    batch = torch.export.Dim("batch", min=1)
    exporter_log = logging.getLogger("torch.onnx")  # "torchvision is not installed" notices for its ops
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module, inputs, dynamo=True, input_names=names, output_names=["images"],
                                        dynamic_shapes=tuple({0: batch} for _ in inputs), opset_version=OPSET,
                                        verbose=False)
    finally:
        exporter_log.setLevel(level)
    program.save(str(path), external_data=False)  # one self-contained file

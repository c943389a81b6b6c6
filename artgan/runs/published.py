"""A published run: a folder in the Hub's layout, that artgan loads like a run directory.

    README.md              model card: data facts, recipe, metrics, sample grid, licence
    config.yaml            the run's resolved configuration
    run.json               the data facts (channels, classes, size) a generator is built from
    generator.safetensors  the generator's state dict, plain (EMA copy when the run kept one)
    samples.png            the final sample grid
    evaluation/metrics.json   when the run was evaluated before it was published

``generator.safetensors`` holds ``G.state_dict()`` under its own names, so any program can read it
with ``safetensors.torch.load_file``; its metadata says which step and which copy it came from.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from artgan.atomic import write_bytes_atomic
from artgan.errors import ArtganError

GENERATOR_FILE = "generator.safetensors"
REQUIRED_FILES = ("config.yaml", "run.json", GENERATOR_FILE)
COPIED_FILES = ("config.yaml", "run.json", "samples.png", "evaluation/metrics.json")  # from the run as they are


def is_published(folder: Path) -> bool:
    return (Path(folder) / GENERATOR_FILE).is_file()


def save_generator(path: Path, state: dict[str, torch.Tensor], step: int, entry: str, version: str) -> None:
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    metadata = {"format": "artgan-generator", "step": str(step), "entry": entry, "artgan_version": version}
    write_bytes_atomic(Path(path), save(tensors, metadata=metadata))


def published_step(folder: Path) -> int:
    """The training step a published generator was taken at (0 when the folder holds none), from its header."""
    try:
        with safe_open(str(Path(folder) / GENERATOR_FILE), framework="pt") as file:
            return int((file.metadata() or {}).get("step", 0))
    except (SafetensorError, OSError, ValueError):
        return 0


def load_generator_file(path: Path) -> tuple[dict[str, torch.Tensor], int]:
    """The state dict and step of a published generator, or a one-line error when the file is damaged."""
    try:
        with safe_open(str(path), framework="pt") as file:
            step = int((file.metadata() or {}).get("step", 0))
            return {key: file.get_tensor(key) for key in file.keys()}, step
    except (SafetensorError, OSError, ValueError) as error:
        raise ArtganError(f"{path} cannot be read as a generator ({type(error).__name__}: {str(error)[:100]}); "
                          f"download or publish it again") from None


def check_published(folder: Path, name: str) -> None:
    missing = [f for f in REQUIRED_FILES if not (Path(folder) / f).is_file()]
    if missing:
        raise ArtganError(f"{name} holds no artgan run (missing {', '.join(missing)}); publish one with "
                          f"`artgan push RUN user/name`")

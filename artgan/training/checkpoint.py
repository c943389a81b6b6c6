"""Checkpoints: tensors in safetensors, structure in JSON, written atomically, last K kept.

No pickle anywhere, so loading a checkpoint from a stranger cannot execute code. A nested state
(model and optimiser state dicts, RNG states, step counters) is split into a flat dict of tensors
and a JSON skeleton that says where each tensor goes back.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save

CHECKPOINT_PATTERN = re.compile(r"step_(\d+)\.safetensors$")


def flatten_state(state: Any, tensors: dict[str, torch.Tensor], prefix: str = "") -> Any:
    """Replace every tensor by a reference and collect it in ``tensors``; keep everything else as JSON."""
    if isinstance(state, torch.Tensor):
        key = prefix or "tensor"
        tensors[key] = state.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(state, dict):
        if all(isinstance(k, str) for k in state):
            return {k: flatten_state(v, tensors, f"{prefix}/{k}") for k, v in state.items()}
        # Optimiser states use integer keys, which JSON objects cannot hold.
        return {"__items__": [[k, flatten_state(v, tensors, f"{prefix}/{k}")] for k, v in state.items()]}
    if isinstance(state, tuple):
        return {"__tuple__": [flatten_state(v, tensors, f"{prefix}/{i}") for i, v in enumerate(state)]}
    if isinstance(state, list):
        return [flatten_state(v, tensors, f"{prefix}/{i}") for i, v in enumerate(state)]
    if state is None or isinstance(state, (bool, int, float, str)):
        return state
    raise TypeError(f"cannot checkpoint a {type(state).__name__} at {prefix!r}")


def unflatten_state(skeleton: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(skeleton, dict):
        if "__tensor__" in skeleton:
            return tensors[skeleton["__tensor__"]]
        if "__items__" in skeleton:
            return {k: unflatten_state(v, tensors) for k, v in skeleton["__items__"]}
        if "__tuple__" in skeleton:
            return tuple(unflatten_state(v, tensors) for v in skeleton["__tuple__"])
        return {k: unflatten_state(v, tensors) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [unflatten_state(v, tensors) for v in skeleton]
    return skeleton


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename, fsync the folder: a crash leaves old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def save_checkpoint(path: Path, state: dict) -> None:
    tensors: dict[str, torch.Tensor] = {}
    skeleton = flatten_state(state, tensors)
    atomic_write_bytes(Path(path), save(tensors, metadata={"state": json.dumps(skeleton)}))


def load_checkpoint(path: Path, only: str | None = None) -> dict:
    """Load a whole checkpoint, or only one top-level entry (e.g. ``"generator"``) without reading the rest."""
    with safe_open(str(path), framework="pt") as file:
        skeleton = json.loads(file.metadata()["state"])
        if only is not None:
            skeleton = skeleton[only]
            wanted = [k for k in file.keys() if k.startswith(f"/{only}/") or k == f"/{only}"]
        else:
            wanted = list(file.keys())
        tensors = {key: file.get_tensor(key) for key in wanted}
    return unflatten_state(skeleton, tensors)


def checkpoint_entries(path: Path) -> list[str]:
    """Top-level names in a checkpoint (``generator``, ``step``, ...), read from its header only."""
    with safe_open(str(path), framework="pt") as file:
        return list(json.loads(file.metadata()["state"]))


def checkpoint_path(directory: Path, step: int) -> Path:
    return Path(directory) / f"step_{step:08d}.safetensors"


def list_checkpoints(directory: Path) -> list[Path]:
    """Checkpoints oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := CHECKPOINT_PATTERN.search(p.name))]
    return [p for _, p in sorted(found)]


def prune_checkpoints(directory: Path, keep: int) -> None:
    for path in list_checkpoints(directory)[:-keep] if keep > 0 else []:
        path.unlink(missing_ok=True)

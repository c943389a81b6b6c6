"""Checkpoints: tensors in safetensors, structure in JSON, written atomically, last K kept.

No pickle anywhere, so loading a checkpoint from a stranger cannot execute code. A nested state
(model and optimizer state dicts, RNG states, step counters) is split into a flat dict of tensors
and a JSON skeleton that says where each tensor goes back.

Each top-level part (``generator``, ``optimizer_d``, ...) carries a sha256 of its tensors and
skeleton in the file's header, so a checkpoint truncated or bit-flipped on disk is caught on
load (``CorruptCheckpoint``) instead of silently training on garbage; ``newest_good_checkpoint``
then falls back to the previous one. A checkpoint without those checksums cannot be told from a
tampered one (remove the entry, change a tensor), so it is refused (``UnverifiedCheckpoint``)
unless the user says, with ``ARTGAN_TRUST_UNVERIFIED_CHECKPOINTS=1``, that they trust it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors import SafetensorError
from safetensors.torch import save

from artgan.atomic import write_bytes_atomic
from artgan.errors import ArtganError
from artgan.tensorfile import open_safetensors

CHECKPOINT_PATTERN = re.compile(r"step_(\d+)\.safetensors$")
TRUST_UNVERIFIED = "ARTGAN_TRUST_UNVERIFIED_CHECKPOINTS"


def flatten_state(state: Any, tensors: dict[str, torch.Tensor], prefix: str = "") -> Any:
    """Replace every tensor by a reference and collect it in ``tensors``; keep everything else as JSON."""
    if isinstance(state, torch.Tensor):
        key = prefix or "tensor"
        tensors[key] = state.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(state, dict):
        if all(isinstance(k, str) for k in state):
            return {k: flatten_state(v, tensors, f"{prefix}/{k}") for k, v in state.items()}
        # Optimizer states use integer keys, which JSON objects cannot hold.
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


class CorruptCheckpoint(ArtganError):
    """A checkpoint file that is truncated, damaged, or not an artgan checkpoint at all."""


class UnverifiedCheckpoint(CorruptCheckpoint):
    """A checkpoint with no checksums: damage or tampering cannot be detected, so it is not used
    unless trusted on purpose. Not quarantined: nothing shows it is damaged."""


def unverified(path: Path) -> None:
    """No sha256 entry: refuse, or (trusted on purpose) load with a warning and no checks."""
    if os.environ.get(TRUST_UNVERIFIED) != "1":
        raise UnverifiedCheckpoint(
            f"checkpoint {path} has no sha256 checksums, so damage or tampering cannot be detected; if you trust "
            f"it (e.g. it was written by an artgan older than checksums), run again with {TRUST_UNVERIFIED}=1 in "
            f"the environment to load it unchecked")
    warnings.warn(f"loading checkpoint {path} UNVERIFIED: it has no sha256 checksums and {TRUST_UNVERIFIED}=1 "
                  f"says to trust it", stacklevel=3)
    return None


def part_digest(skeleton: Any, tensors: dict[str, torch.Tensor]) -> str:
    """sha256 of one top-level part: its JSON skeleton, then each of its tensors' name, dtype, shape, bytes."""
    digest = hashlib.sha256(json.dumps(skeleton, sort_keys=True).encode())
    for key in sorted(tensors):
        tensor = tensors[key].detach().cpu().contiguous()
        digest.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _part_tensors(tensors: dict[str, torch.Tensor], part: str) -> dict[str, torch.Tensor]:
    return {k: v for k, v in tensors.items() if k == f"/{part}" or k.startswith(f"/{part}/")}


def save_checkpoint(path: Path, state: dict) -> None:
    tensors: dict[str, torch.Tensor] = {}
    skeleton = flatten_state(state, tensors)
    manifest = {part: part_digest(skeleton[part], _part_tensors(tensors, part)) for part in skeleton}
    metadata = {"state": json.dumps(skeleton), "sha256": json.dumps(manifest)}
    write_bytes_atomic(Path(path), save(tensors, metadata=metadata))


def load_checkpoint(path: Path, only: str | None = None) -> Any:
    """Load a whole checkpoint, or only one top-level entry (e.g. ``"generator"``) without reading the
    rest; every part read is checked against its sha256 (``CorruptCheckpoint`` when it differs)."""
    if only is None:
        return load_parts(path, None)
    return load_parts(path, [only])[only]


def load_parts(path: Path, parts: list[str] | None) -> dict:
    """The named top-level entries (all when None): only their tensors are read from the file."""
    try:
        with open_safetensors(path) as file:
            metadata = file.metadata() or {}
            skeleton = json.loads(metadata["state"])
            parts = list(skeleton) if parts is None else parts
            wanted = [k for k in file.keys() if any(k == f"/{p}" or k.startswith(f"/{p}/") for p in parts)]
            tensors = {key: file.get_tensor(key) for key in wanted}
        manifest = json.loads(metadata["sha256"]) if "sha256" in metadata else unverified(path)
        for part in parts:
            if manifest is not None and manifest.get(part) != part_digest(skeleton[part], _part_tensors(tensors, part)):
                raise CorruptCheckpoint(f"checkpoint {path} is damaged: its {part!r} does not match its checksum")
    except (SafetensorError, OSError, ValueError, KeyError, TypeError) as error:  # truncated, garbage, not ours
        raise CorruptCheckpoint(f"checkpoint {path} cannot be read ({type(error).__name__}: {str(error)[:100]})") from None
    return {part: unflatten_state(skeleton[part], tensors) for part in parts}


def newest_good_checkpoint(directory: Path, quarantine: bool = False, read: Callable[[Path], Any] = load_checkpoint,
                           candidates: list[Path] | None = None) -> tuple[Path, Any] | None:
    """The newest checkpoint that ``read`` loads and finds matching its checksums, with what it read
    (by default the whole state); None if there is none. ``candidates``: the files to try, in that
    order (default: the step checkpoints in ``directory``, newest first).

    A damaged one is skipped with a warning; with ``quarantine`` it is also renamed ``*.corrupt`` so
    that pruning can never delete the good checkpoint behind it while keeping the bad one.
    """
    damaged: list[tuple[Path, CorruptCheckpoint]] = []
    found = list(reversed(list_checkpoints(directory))) if candidates is None else candidates
    for path in found:
        try:
            return path, read(path)
        except CorruptCheckpoint as error:
            damaged.append((path, error))
            note = quarantine_file(path) if quarantine and not isinstance(error, UnverifiedCheckpoint) else ""
            if path != found[-1] or note:  # the last one's failure is the error below
                warnings.warn(f"{error}; falling back to the previous checkpoint{note}", stacklevel=2)
    if damaged and all(isinstance(error, UnverifiedCheckpoint) for _, error in damaged):
        raise damaged[0][1]
    if damaged:
        raise CorruptCheckpoint(
            f"every checkpoint in {directory} is damaged or unverifiable ({', '.join(p.name for p, _ in damaged)}); "
            f"start a new run with another --out"
        )
    return None


def quarantine_file(path: Path) -> str:
    """Rename a damaged checkpoint ``*.corrupt``; on a read-only folder, say so and leave it."""
    try:
        path.rename(path.with_name(path.name + ".corrupt"))
    except OSError as error:
        return f"; could not rename it to {path.name}.corrupt ({error.strerror or error})"
    return f"; renamed to {path.name}.corrupt"


def checkpoint_entries(path: Path) -> list[str]:
    """Top-level names in a checkpoint (``generator``, ``step``, ...), read from its header only."""
    try:
        with open_safetensors(path) as file:
            return list(json.loads(file.metadata()["state"]))
    except (SafetensorError, OSError, ValueError, KeyError, TypeError) as error:
        raise CorruptCheckpoint(f"checkpoint {path} cannot be read ({type(error).__name__}: {str(error)[:100]})") from None


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

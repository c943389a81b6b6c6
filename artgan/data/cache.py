"""Prepared uint8 tensors on disk, keyed by everything that changes them.

A second run with the same source, size and channels reads one safetensors file instead of
decoding thousands of images again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import save_file

from artgan.data.dataset import ImageSet
from artgan.paths import cache_root
from artgan.tensorfile import open_safetensors

CACHE_VERSION = 1  # bump when preprocessing changes what a cached tensor would hold


def cache_key(fingerprint: str, size: int, channels: int, classes: list[str], limit: int, fit: str = "crop") -> str:
    parts = [CACHE_VERSION, fingerprint, size, channels, sorted(classes), limit]
    text = json.dumps(parts + ([fit] if fit != "crop" else []))  # crop's keys predate --fit: keep them valid
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def cache_path(cache_dir: str, key: str) -> Path:
    return cache_root(cache_dir) / "datasets" / f"{key}.safetensors"


def read_cache(path: Path) -> ImageSet | None:
    """The cached set, or None when absent or unreadable (a damaged cache is rebuilt, not fatal)."""
    if not path.is_file():
        return None
    try:
        with open_safetensors(path) as handle:
            meta = handle.metadata()
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, KeyError):
        return None
    return ImageSet(
        images=tensors["images"],
        labels=tensors.get("labels"),
        class_names=json.loads(meta["class_names"]),
        source=meta["source"],
        skipped=int(meta["skipped"]),
        skipped_examples=json.loads(meta["skipped_examples"]),
    )


def write_cache(path: Path, data: ImageSet) -> None:
    """Write atomically, so that a run killed mid-write leaves no half file that looks valid."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {"images": data.images.contiguous()}
    if data.labels is not None:
        tensors["labels"] = data.labels.contiguous()
    meta = {
        "class_names": json.dumps(data.class_names),
        "source": data.source,
        "skipped": str(data.skipped),
        "skipped_examples": json.dumps(data.skipped_examples),
    }
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        save_file(tensors, temp, metadata=meta)  # straight to disk: no second copy of the data set in memory
        os.replace(temp, path)
    except (OSError, UnicodeEncodeError):  # safetensors wants a UTF-8 path; a Linux folder name may not be
        Path(temp).unlink(missing_ok=True)
        raise

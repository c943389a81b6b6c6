"""Prepared images on disk, keyed by everything that changes them, and memory-mapped when read.

A prepared set is two files: ``<key>.u8``, the uint8 images (N, C, S, S) back to back, and
``<key>.json``, their shape, labels and names. Training maps the images file instead of reading
it (the pages live in the kernel's page cache, shared and reclaimable, not on the heap), so
WikiArt's 81,446 images (4 GB at 128 px) train in the memory of a batch. Preparation writes
each decoded image straight into the images file, so it never holds the set either.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from artgan.atomic import write_text_atomic
from artgan.data.dataset import ImageSet
from artgan.data.decode import Placed
from artgan.paths import cache_root

CACHE_VERSION = 2  # bump when preprocessing or the file layout changes what a cached set would hold


def cache_key(fingerprint: str, size: int, channels: int, classes: list[str], limit: int, fit: str = "crop") -> str:
    parts = [CACHE_VERSION, fingerprint, size, channels, sorted(classes), limit]
    text = json.dumps(parts + ([fit] if fit != "crop" else []))  # crop's keys predate --fit: keep them valid
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def cache_path(cache_dir: str, key: str) -> Path:
    """The index file (JSON); the images file sits beside it (``images_file``)."""
    return cache_root(cache_dir) / "datasets" / f"{key}.json"


def images_file(index: Path) -> Path:
    return index.with_suffix(".u8")


def read_cache(path: Path) -> ImageSet | None:
    """The cached set with its images memory-mapped, or None when absent or damaged (then it is rebuilt)."""
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
        images, mapping = map_images(images_file(path), tuple(meta["shape"]))
        labels = torch.tensor(meta["labels"], dtype=torch.int64) if meta["labels"] is not None else None
        return ImageSet(images, labels, meta["class_names"], meta["source"], meta["skipped"], meta["skipped_examples"],
                        mapping=mapping)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return None


def map_images(path: Path, shape: tuple[int, ...]) -> tuple[torch.Tensor, mmap.mmap]:
    """A uint8 tensor over the file's pages. Copy-on-write (``ACCESS_COPY``): a stray in-place op
    changes this process's copy of a page, never the cache."""
    length = int(np.prod(shape))
    with open(path, "rb") as file:
        if len(shape) != 4 or length == 0 or os.fstat(file.fileno()).st_size != length:
            raise ValueError(f"{path} does not hold {shape} bytes")
        mapping = mmap.mmap(file.fileno(), length, access=mmap.ACCESS_COPY)
    return torch.from_numpy(np.frombuffer(mapping, np.uint8).reshape(shape)), mapping


def close_gaps(path: Path, slots: list[int], nbytes: int) -> None:
    """Images written at their items' slots, moved down over the slots of skipped items (and of items
    decoded past a ``--limit``), so the file holds them back to back, as a serial decode writes them."""
    with open(path, "r+b") as file:
        for position, slot in enumerate(slots):  # slots ascend, so every move is downwards
            if slot != position:
                file.seek(slot * nbytes)
                image = file.read(nbytes)
                file.seek(position * nbytes)
                file.write(image)
        file.truncate(len(slots) * nbytes)


class CacheWriter:
    """Decoded images appended to a temporary file beside the cache; ``finish`` renames it into place.

    The index is written last and atomically, so a run killed mid-preparation leaves no set that
    looks valid (its temporary file is removed at the next preparation's start).
    """

    def __init__(self, index: Path):
        index.parent.mkdir(parents=True, exist_ok=True)
        for stale in index.parent.glob(f"{index.stem}.*.tmp"):
            stale.unlink(missing_ok=True)
        handle, temp = tempfile.mkstemp(dir=index.parent, prefix=f"{index.stem}.", suffix=".tmp")
        self.index, self.temp, self.file = index, Path(temp), os.fdopen(handle, "wb")
        self.count, self.shape = 0, None
        self.slots: list[int] = []  # where decoding workers wrote each image (item positions; skipped ones leave gaps)

    @property
    def shared_file(self) -> str:
        """The file decoding workers write their images into, each at its item's slot (``decode.Placed``)."""
        return str(self.temp)

    def append(self, image: np.ndarray | Placed) -> None:
        if self.shape is None:
            self.shape = image.shape
        assert tuple(image.shape) == tuple(self.shape), "every image has the set's shape"
        if isinstance(image, Placed):
            self.slots.append(image.slot)
        else:
            assert image.dtype == np.uint8
            self.file.write(np.ascontiguousarray(image).data)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def finish(self, labels: list[int] | None, class_names, source: str, skipped: int, examples: list[str]) -> ImageSet:
        self.file.close()
        if self.slots:
            close_gaps(self.temp, self.slots, int(np.prod(self.shape)))
        os.replace(self.temp, images_file(self.index))
        meta = {"shape": [self.count, *self.shape], "labels": labels, "class_names": class_names, "source": source,
                "skipped": skipped, "skipped_examples": examples}
        write_text_atomic(self.index, json.dumps(meta))
        found = read_cache(self.index)
        if found is None:
            raise OSError(f"the prepared set at {self.index} could not be read back")
        return found

    def discard(self) -> None:
        self.file.close()
        self.temp.unlink(missing_ok=True)

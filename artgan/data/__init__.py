"""Data: sources -> decoding and preprocessing -> a cached uint8 ``ImageSet``.

``load_images(config)`` is the one entry point the trainer, the CLI and the analyses use.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import torch
from tqdm.auto import tqdm

from artgan.config import DataConfig
from artgan.data.cache import CacheWriter, cache_key, cache_path, read_cache
from artgan.data.dataset import ImageSet, to_float, to_uint8
from artgan.data.decode import decoded, worker_count
from artgan.data.preprocess import check_size, guess_channels, prepare_image
from artgan.data.sources import RawSource, open_source
from artgan.paths import readable_name
from artgan.errors import ArtganError

__all__ = ["ImageSet", "load_images", "to_float", "to_uint8"]


def load_images(config: DataConfig, progress: bool = True, use_cache: bool = True) -> ImageSet:
    """Every usable image of ``config.source``, resized and cropped, as uint8 (N, C, S, S).

    With the cache (the default) the images are memory-mapped from it; without, they are in memory.
    """
    check_size(config.size)
    if config.channels not in (0, 1, 3):
        raise ArtganError(f"--channels must be 1 (grayscale), 3 (RGB) or 0 (as the source is), got {config.channels}")
    raw = open_source(config)
    channels = config.channels or raw.channels
    path = cache_path(config.cache_dir, cache_key(raw.fingerprint, config.size, channels, config.classes, config.limit,
                                                  config.fit))
    if not use_cache:
        return decode_all(raw, config, channels, progress, ImageBuffer(_expected(raw, config)))
    if (cached := read_cache(path)) is not None:
        return cached
    try:
        writer = CacheWriter(path)
    except OSError as error:  # a read-only cache disk must not stop training
        warnings.warn(f"could not cache the prepared data set at {path}: {error}; holding it in memory instead")
        return decode_all(raw, config, channels, progress, ImageBuffer(_expected(raw, config)))
    try:
        return decode_all(raw, config, channels, progress, writer)
    except OSError as error:  # e.g. the cache disk filled up mid-way
        writer.discard()
        warnings.warn(f"could not cache the prepared data set at {path}: {error}; holding it in memory instead")
        return decode_all(open_source(config), config, channels, progress, ImageBuffer(_expected(raw, config)))
    except BaseException:
        writer.discard()
        raise


def _expected(raw: RawSource, config: DataConfig) -> int | None:
    return min(filter(None, (raw.length, config.limit)), default=None)


def decode_all(raw: RawSource, config: DataConfig, channels: int, progress: bool, sink) -> ImageSet:
    """Decode (on ``--workers`` processes, in order) into ``sink``: the cache file, or an ``ImageBuffer``."""
    keep = _class_filter(raw.class_names, config.classes)
    wanted = (item for item in raw.items if keep is None or item.label in keep)
    workers = worker_count(config.workers, raw.length)
    labels, skipped, examples = [], 0, []
    # The cache: the workers write it themselves, where the OS has positioned writes (not Windows).
    into = getattr(sink, "shared_file", None) if workers > 1 and hasattr(os, "pwrite") else None
    results = decoded(wanted, config.size, channels, config.fit, workers, into)
    bar = tqdm(results, total=_expected(raw, config), desc=f"preparing {config.source}"
               + (f" on {workers} processes" if workers > 1 else ""), unit="img", disable=not progress, leave=False)
    for item, image in bar:
        if isinstance(image, str):  # why it could not be used
            skipped += 1
            if len(examples) < 5:
                examples.append(f"{item.name}: {image}")
            continue
        sink.append(image)
        labels.append(keep[item.label] if keep is not None else item.label)
        if config.limit and len(sink) >= config.limit:
            break
    results.close()  # stops the workers of a set cut short by --limit
    if not len(sink):
        detail = f" ({skipped} files could not be read, e.g. {examples[0]})" if skipped else ""
        raise ArtganError(f"no usable image in {config.source!r}{detail}")
    class_names = [raw.class_names[i] for i in sorted(keep)] if keep is not None else raw.class_names
    has_labels = class_names is not None and all(label is not None for label in labels)
    return sink.finish(labels if has_labels else None, class_names if has_labels else None,
                       readable_name(config.source), skipped, examples)


class ImageBuffer:
    """Decoded images written straight into one preallocated uint8 array (when there is no cache).

    A list of arrays stacked at the end would hold every image twice at the peak: 1.2 GiB
    instead of 0.6 GiB for 50,000 RGB images at 64 px (benchmarks/memory.py).
    """

    def __init__(self, expected: int | None):
        self.capacity, self.count, self.array = max(expected or 0, 1), 0, None

    def append(self, image: np.ndarray) -> None:
        if self.array is None:
            self.array = np.empty((self.capacity, *image.shape), np.uint8)
        elif self.count == len(self.array):  # the source held more than it announced
            self.array = np.concatenate([self.array, np.empty_like(self.array)])
        self.array[self.count] = image
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def filled(self) -> np.ndarray:
        return self.array[:self.count]

    def finish(self, labels: list[int] | None, class_names, source: str, skipped: int, examples: list[str]) -> ImageSet:
        labels = torch.tensor(labels, dtype=torch.int64) if labels is not None else None
        return ImageSet(torch.from_numpy(self.filled()), labels, class_names, source, skipped, examples)


def _class_filter(class_names: list[str] | None, wanted: list[str]) -> dict[int, int] | None:
    """Old label -> new label for the classes kept by ``--classes``, or None to keep all."""
    if not wanted:
        return None
    if not class_names:
        raise ArtganError("--classes needs a labelled data set, but this source has no labels")
    lookup = {name.lower(): i for i, name in enumerate(class_names)}
    missing = [name for name in wanted if name.lower() not in lookup]
    if missing:
        raise ArtganError(f"unknown classes {missing}; this data set has: {', '.join(class_names)}")
    old = sorted(lookup[name.lower()] for name in wanted)
    return {label: new for new, label in enumerate(old)}

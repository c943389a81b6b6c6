"""Data: sources -> decoding and preprocessing -> a cached uint8 ``ImageSet``.

``load_images(config)`` is the one entry point the trainer, the CLI and the analyses use.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from artgan.config import DataConfig
from artgan.data.cache import cache_key, cache_path, read_cache, write_cache
from artgan.data.dataset import ImageSet, to_float, to_uint8
from artgan.data.preprocess import check_size, guess_channels, prepare_image
from artgan.data.sources import RawSource, open_source
from artgan.paths import readable_name
from artgan.errors import ArtganError

__all__ = ["ImageSet", "load_images", "to_float", "to_uint8"]

# What a broken, truncated, hostile or non-image file raises while decoding: mostly OSError and
# ValueError, but fuzzing (tests/reliability) finds decoders raising IndexError, struct.error and
# more on crafted files, so any Exception from one file's decode is that file's problem, not the run's.
DECODE_ERRORS = (Exception,)


def load_images(config: DataConfig, progress: bool = True, use_cache: bool = True) -> ImageSet:
    """Every usable image of ``config.source``, resized and cropped, as uint8 (N, C, S, S)."""
    check_size(config.size)
    if config.channels not in (0, 1, 3):
        raise ArtganError(f"--channels must be 1 (grayscale), 3 (RGB) or 0 (as the source is), got {config.channels}")
    raw = open_source(config)
    channels = config.channels or raw.channels
    key = cache_key(raw.fingerprint, config.size, channels, config.classes, config.limit, config.fit)
    path = cache_path(config.cache_dir, key)
    if use_cache and (cached := read_cache(path)) is not None:
        return cached
    data = decode_all(raw, config, channels, progress)
    if use_cache:
        try:
            write_cache(path, data)
        except (OSError, UnicodeEncodeError) as error:  # a read-only, full or oddly named cache must not stop training
            warnings.warn(f"could not cache the prepared data set at {path}: {error}")
    return data


def decode_all(raw: RawSource, config: DataConfig, channels: int, progress: bool) -> ImageSet:
    keep = _class_filter(raw.class_names, config.classes)
    arrays, labels, skipped, examples = ImageBuffer(min(filter(None, (raw.length, config.limit)), default=None)), [], 0, []
    bar = tqdm(raw.items, total=raw.length, desc=f"preparing {config.source}", unit="img",
               disable=not progress, leave=False)
    for item in bar:
        if keep is not None and item.label not in keep:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PIL's "corrupt EXIF" chatter: such files are counted below
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                arrays.append(prepare_image(item.load(), config.size, channels, config.fit))
        except DECODE_ERRORS as error:  # includes DecompressionBombWarning, turned into an error above
            skipped += 1
            if len(examples) < 5:
                examples.append(f"{item.name}: {type(error).__name__}: {str(error)[:120]}")
            continue
        labels.append(keep[item.label] if keep is not None else item.label)
        if config.limit and len(arrays) >= config.limit:
            break
    if not arrays:
        detail = f" ({skipped} files could not be read, e.g. {examples[0]})" if skipped else ""
        raise ArtganError(f"no usable image in {config.source!r}{detail}")
    class_names = [raw.class_names[i] for i in sorted(keep)] if keep is not None else raw.class_names
    has_labels = class_names is not None and all(label is not None for label in labels)
    return ImageSet(
        images=torch.from_numpy(arrays.filled()),
        labels=torch.tensor(labels, dtype=torch.int64) if has_labels else None,
        class_names=class_names if has_labels else None,
        source=readable_name(config.source),
        skipped=skipped,
        skipped_examples=examples,
    )


class ImageBuffer:
    """Decoded images written straight into one preallocated uint8 array.

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

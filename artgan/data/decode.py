"""Decoding a source's images on every core, in the source's order.

A worker process decodes a chunk of items (``RawItem.load`` is picklable: a file path, a painting
recipe, a hub row's bytes) and returns uint8 arrays; the parent takes the chunks back in the
order it sent them, so the prepared set is byte-identical to a serial decode. At most a few
chunks per worker are in flight, so a streamed source (``hf:`` with millions of rows) is read
as fast as it is decoded and never held whole.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterable, Iterator

import numpy as np
from PIL import Image

from artgan.data.preprocess import prepare_image
from artgan.data.sources import RawItem

CHUNK = 32  # items per task: big enough that pickling and queueing cost little beside decoding
IN_FLIGHT = 3  # chunks per worker sent ahead of the one being consumed
SERIAL_BELOW = 512  # with --workers 0, sets smaller than this decode in-process: starting workers costs ~1 s

# What a broken, truncated, hostile or non-image file raises while decoding: mostly OSError and
# ValueError, but fuzzing (tests/reliability) finds decoders raising IndexError, struct.error and
# more on crafted files, so any Exception from one file's decode is that file's problem, not the run's.
DECODE_ERRORS = (Exception,)


@dataclass(frozen=True)
class Placed:
    """An image a worker wrote straight into the shared cache file, at ``slot`` (the item's position)."""
    slot: int
    shape: tuple[int, ...]


Decoded = np.ndarray | Placed | str  # the image (or where it was written), or why it could not be used


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_count(asked: int, length: int | None) -> int:
    """``--workers``: 0 is one per core, except for small sets, which are not worth the start-up."""
    if asked:
        return asked
    return 1 if length is not None and length < SERIAL_BELOW else available_cores()


def decode_one(load: Callable, size: int, channels: int, fit: str = "crop") -> Decoded:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL's "corrupt EXIF" chatter: such files are counted as skipped
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return prepare_image(load(), size, channels, fit)
    except DECODE_ERRORS as error:  # includes DecompressionBombWarning, turned into an error above
        return f"{type(error).__name__}: {str(error)[:120]}"


def decode_chunk(loads: list[Callable], size: int, channels: int, fit: str, into: str | None = None,
                 first_slot: int = 0) -> list[Decoded]:
    """The chunk's images; with ``into``, each written there at its slot instead (``Placed``), so that
    the copy into the cache is shared by the workers rather than done, image by image, by the parent."""
    found = [decode_one(load, size, channels, fit) for load in loads]
    if into is None:
        return found
    descriptor = os.open(into, os.O_WRONLY)
    try:
        for slot, image in enumerate(found, first_slot):
            if not isinstance(image, str):
                data = np.ascontiguousarray(image)
                os.pwrite(descriptor, data.data, slot * data.nbytes)
                found[slot - first_slot] = Placed(slot, data.shape)
    finally:
        os.close(descriptor)
    return found


def decoded(items: Iterable[RawItem], size: int, channels: int, fit: str, workers: int,
            into: str | None = None) -> Iterator[tuple[RawItem, Decoded]]:
    """Each item with its decoded array (or error text), in ``items``' order, on ``workers`` processes;
    with ``into`` (a file of equal-sized image slots), the workers write each image at its item's slot."""
    if workers <= 1:
        for item in items:
            yield item, decode_one(item.load, size, channels, fit)
        return
    items = iter(items)
    # fork, as torch's DataLoader does on Linux: workers start in milliseconds with this process's
    # modules (spawned ones import torch again, seconds each); they run only PIL and numpy, never torch.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = multiprocessing.get_context(method).Pool(workers)
    try:
        pending: deque = deque()
        sent = 0
        while True:
            while len(pending) < IN_FLIGHT * workers and (chunk := list(islice(items, CHUNK))):
                task = ([i.load for i in chunk], size, channels, fit, into, sent)
                pending.append((chunk, pool.apply_async(decode_chunk, task)))
                sent += len(chunk)
            if not pending:
                break
            chunk, result = pending.popleft()
            yield from zip(chunk, result.get())
    except BaseException:  # the caller stopped early (GeneratorExit) or a worker's error came through
        pool.terminate()
        raise
    else:
        # why: terminate() (what `with Pool` does) kills idle workers and then joins the pool's task
        # thread, which stalled for minutes once in the test suite; a pool whose work is all read
        # closes instead, so each worker takes its sentinel and exits.
        pool.close()
    finally:
        pool.join()

"""safetensors files opened by any path Linux allows.

safetensors takes its path as UTF-8 text, but a Linux file name is any bytes: a run directory or
cache under a folder named in Latin-1 would otherwise read as "damaged" and be quarantined. Such
a path is opened by Python and handed over as ``/proc/self/fd/N``, which is plain ASCII.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Iterator

from safetensors import safe_open


def utf8_path(path: str | Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@contextlib.contextmanager
def open_safetensors(path: str | Path) -> Iterator:
    """``safe_open(path, framework="pt")``, whatever bytes the path is made of; a FIFO or device named
    ``*.safetensors`` is refused (``OSError``) instead of blocking or reading forever."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(f"not a regular file: {path}")
    if utf8_path(path) or not os.path.isdir("/proc/self/fd"):
        with safe_open(str(path), framework="pt") as handle:
            yield handle
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        with safe_open(f"/proc/self/fd/{descriptor}", framework="pt") as handle:
            yield handle
    finally:
        os.close(descriptor)

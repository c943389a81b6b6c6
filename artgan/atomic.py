"""Crash-safe file writes: a reader sees the old file or the new one, never half of either.

Every artefact a run depends on (checkpoints, metrics, sample grids, config.yaml, run.json) goes
through ``write_bytes_atomic``: write a temp file in the same folder, fsync it, rename it over the
target, fsync the folder. A crash or SIGKILL at any instant leaves at most a stray ``.*.tmp``.
A full disk becomes one clear ``DiskFullError`` and the previous file stays as it was.
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from pathlib import Path

from artgan.errors import ArtganError

DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _read_umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it; done once, at import,
    os.umask(mask)      # before any thread could create a file in the instant it is 0
    return mask


UMASK = _read_umask()


class DiskFullError(ArtganError):
    """The disk (or quota) filled up while writing; nothing that was on disk before was touched."""


# A read-only mount, a folder without write permission, a file where a folder should be.
UNWRITABLE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST, errno.EISDIR}


class UnwritableError(ArtganError):
    """The place a file should go cannot be written (read-only, no permission, not a folder)."""


def unwritable(path: Path, error: OSError) -> UnwritableError:
    return UnwritableError(f"cannot write {path}: {error.strerror or error} (errno {errno.errorcode.get(error.errno, error.errno)}); "
                           f"make {path.parent} writable, or write somewhere else (e.g. another --out)")


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        if error.errno in UNWRITABLE_ERRNOS:
            raise unwritable(path, error) from None
        raise
    try:
        os.chmod(temp, 0o666 & ~UMASK)  # mkstemp makes 0600; give the file what open() would
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # delayed-allocation file systems report a full disk only here
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            raise DiskFullError(
                f"no space left on the disk to write {path} ({len(data) / 2**20:.1f} MiB); the previous "
                f"version of that file is untouched. Free some space (or lower --keep-checkpoints) and run again"
            ) from None
        if isinstance(error, OSError) and error.errno in UNWRITABLE_ERRNOS:  # e.g. a read-only target on rename
            raise unwritable(path, error) from None
        raise
    _fsync_directory(path.parent)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def save_image_atomic(image, path: str | Path, **save_options) -> None:
    """A PIL image (or GIF with ``save_all``) encoded in memory, then written atomically."""
    buffer = io.BytesIO()
    image.save(buffer, format=_format_for(Path(path)), **save_options)
    write_bytes_atomic(path, buffer.getvalue())


def remove_stale_temp_files(folder: str | Path) -> int:
    """Delete ``.*.tmp`` left by a process killed mid-write; returns how many there were."""
    folder = Path(folder)
    stale = list(folder.glob(".*.tmp")) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def _format_for(path: Path) -> str:
    from PIL import Image

    extension = path.suffix.lower()
    Image.init()
    if extension not in Image.EXTENSION:
        raise ArtganError(f"cannot tell an image format from {path.name!r}; use .png, .jpg or .gif")
    return Image.EXTENSION[extension]


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open folders and does not need it."""
    try:
        directory = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)

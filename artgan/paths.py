"""Where artgan keeps things between runs: one cache root, overridable for CI, tests and clusters."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(configured: str = "") -> Path:
    """``configured`` if given, else ``$ARTGAN_CACHE_DIR``, else ``~/.cache/artgan``."""
    return Path(configured or os.environ.get("ARTGAN_CACHE_DIR") or "~/.cache/artgan").expanduser()


def check_output_folder(path: str | Path, flag: str = "--out") -> Path:
    """A folder a command creates or writes into; a file there, or a file above it, is refused up front
    (not as FileExistsError / NotADirectoryError after the work is done)."""
    from artgan.errors import ArtganError

    path = Path(path).expanduser()
    if os.path.lexists(path) and not path.is_dir():
        what = "a link that leads nowhere (or to itself)" if path.is_symlink() and not path.exists() else "a file"
        raise ArtganError(f"{flag} {str(path)!r} is {what}, not a folder; give a folder (it is created if missing)")
    for parent in path.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise ArtganError(f"{flag} {str(path)!r} cannot be created: {str(parent)!r} is a file, not a folder; "
                                  "give a folder path")
            break
    return path


def check_output_file(path: str | Path, flag: str) -> Path:
    """A file a command will write: a folder of that name (``grid.png/``), or a file above it, is
    refused before the work that would produce it."""
    from artgan.errors import ArtganError

    path = Path(path).expanduser()
    if path.is_dir():
        raise ArtganError(f"{flag} {str(path)!r} is a folder; give a file name such as {str(path / 'grid.png')!r}")
    check_output_folder(path.parent, flag=f"{flag} {str(path)!r}: its folder")
    return path


def check_writable(folder: str | Path, advice: str) -> None:
    """Refuse, before the work, a folder this command must write into but cannot (a read-only mount, no
    permission). Tried with a real unnamed temp file: ``os.access`` says yes to root on a read-only mount."""
    import tempfile

    from artgan.errors import ArtganError

    folder = Path(folder)
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)
    if existing is None:
        return
    try:
        with tempfile.TemporaryFile(dir=existing):  # O_TMPFILE on Linux: no name ever appears in the folder
            pass
    except OSError as error:
        where = "" if existing == folder else f" ({existing}, where it would be created)"
        raise ArtganError(f"cannot write in {folder}{where}: {error.strerror or error}; {advice}") from None


def readable_name(name: str) -> str:
    """A file or folder name as text that can be printed, saved as JSON/YAML and shown in a browser:
    bytes that are not UTF-8 (kept by Python as surrogate escapes) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

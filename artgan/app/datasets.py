"""Training data the app may use: folders under its --data-root, and zips of images uploaded.

The folder picker only lists folders found under the root (symlinks that lead out are skipped),
and a page passes back an index into that list, never a path, so no choice can leave the root.
An uploaded zip is unpacked member by member into a fresh folder with every name checked first:
no absolute names, no ``..``, no links, no more than MAX_FILES images, MAX_UNPACKED bytes in all,
and no member that inflates more than MAX_RATIO times (a zip bomb is refused before it is
written). Then the unpacked folder goes through the same loader `artgan train` uses, so the page
reports exactly the images training will see, and the files the CLI would skip.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import zipfile
from zlib import error as zlib_error
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from artgan.data.sources import IMAGE_EXTENSIONS
from artgan.errors import ArtganError

DATA_ENV = "ARTGAN_APP_DATA"  # the data root, set by `artgan app --data-root DIR`
MAX_ZIP_BYTES = 200 * 2**20
MAX_UNPACKED = 1024 * 2**20
MAX_MEMBER = 50 * 2**20
MAX_FILES = 20_000
MAX_RATIO = 100  # PNG and JPEG barely compress; text-like ratios in an image zip mean a bomb
FOLDER_DEPTH = 2


class ArchiveError(ArtganError):
    """A zip the app will not unpack; the message says why and what to upload instead."""


@dataclass(frozen=True)
class DataCheck:
    images: int
    skipped: int
    skipped_examples: list[str]
    class_names: list[str] | None


def data_folders(root: Path) -> list[Path]:
    """Folders under ``root`` (itself included) that hold images directly or in class sub-folders."""
    root = root.resolve()
    found = []

    def walk(folder: Path, depth: int) -> None:
        try:
            children = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        except OSError:
            return
        folders = [p for p in children if p.is_dir() and p.resolve().is_relative_to(root)]
        if any(p.suffix.lower() in IMAGE_EXTENSIONS for p in children if p.is_file()) or \
                any(_has_images(p) for p in folders):
            found.append(folder)
        if depth > 0:
            for child in folders:
                walk(child, depth - 1)

    if root.is_dir():
        walk(root, FOLDER_DEPTH)
    return found


def _has_images(folder: Path) -> bool:
    try:
        return any(p.suffix.lower() in IMAGE_EXTENSIONS for p in folder.iterdir() if p.is_file())
    except OSError:
        return False


def unpack_images(data: bytes, destination: Path) -> tuple[Path, int]:
    """Write the zip's image members under ``destination`` (which must not exist).

    Returns the collection's folder and how many images it holds. Folders inside the zip are kept
    (class sub-folders become labels, as with `--data DIR`); a zip made of one folder (`zip -r
    images.zip FOLDER`) is that folder, so its sub-folders, not its own name, are the classes."""
    if len(data) > MAX_ZIP_BYTES:
        raise ArchiveError(f"the zip is {len(data) / 2**20:.0f} MB; the limit is {MAX_ZIP_BYTES // 2**20} MB. "
                           "Upload fewer or smaller images, or put the folder under the app's --data-root")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ArchiveError(f"the upload is not a readable zip ({error}); make one with your file manager's "
                           "'compress' or `zip -r images.zip FOLDER`") from None
    images = [m for m in members if _checked_name(m) is not None]
    if not images:
        raise ArchiveError(f"the zip holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))}); "
                           f"it has {len(members)} other files")
    if len(images) > MAX_FILES:
        raise ArchiveError(f"the zip holds {len(images)} images; the limit is {MAX_FILES}. "
                           "Put a collection that large under the app's --data-root instead")
    declared = sum(m.file_size for m in images)
    if declared > MAX_UNPACKED:
        raise ArchiveError(f"the zip unpacks to {declared / 2**20:.0f} MB; the limit is {MAX_UNPACKED // 2**20} MB")
    destination.mkdir(parents=True)
    try:
        for member in images:
            _write_member(archive, member, destination / _checked_name(member))
    except (zipfile.BadZipFile, EOFError, zlib_error) as error:  # a CRC that does not match, a cut-off member
        shutil.rmtree(destination, ignore_errors=True)
        raise ArchiveError(f"the zip is damaged ({error}); make it again and upload it afresh") from None
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    return _collection_folder(destination), len(images)


def _collection_folder(folder: Path) -> Path:
    while True:
        children = [p for p in folder.iterdir()]
        if len(children) != 1 or not children[0].is_dir():
            return folder
        folder = children[0]


def _checked_name(member: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path when it is an image to unpack; None to ignore it; refuses escapes."""
    name = member.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ArchiveError(f"the zip member {member.filename!r} points outside the folder it unpacks to; "
                           "zip the images again from their own folder")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise ArchiveError(f"the zip member {member.filename!r} is a symbolic link; zip the images themselves")
    if any(part.startswith(".") or part == "__MACOSX" for part in path.parts):
        return None  # macOS resource forks, hidden files
    return path if path.suffix.lower() in IMAGE_EXTENSIONS else None


def _write_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path) -> None:
    if member.file_size > MAX_MEMBER or member.file_size > MAX_RATIO * max(member.compress_size, 1) + 2**16:
        raise ArchiveError(f"the zip member {member.filename!r} inflates {member.compress_size} bytes to "
                           f"{member.file_size}; that is a zip bomb, not an image, and the upload was refused")
    target.parent.mkdir(parents=True, exist_ok=True)
    limit = member.file_size  # the declared size; a member that writes more lied about it
    written = 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "wb") as out, archive.open(member) as source:
        while chunk := source.read(2**20):
            written += len(chunk)
            if written > limit:
                raise ArchiveError(f"the zip member {member.filename!r} holds more than its declared "
                                   f"{limit} bytes; the upload was refused")
            out.write(chunk)


def check_images(source: str, size: int, cache_dir: str = "") -> DataCheck:
    """Decode the images as `artgan train --data SOURCE --size N` will (and cache them for it)."""
    from artgan.config import DataConfig
    from artgan.data import load_images

    data = load_images(DataConfig(source=source, size=size, cache_dir=cache_dir), progress=False)
    return DataCheck(len(data.images), data.skipped, list(data.skipped_examples), data.class_names)

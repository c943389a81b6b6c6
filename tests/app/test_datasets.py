"""Training data for the Train page: the folder picker stays under its root, and uploaded zips are
unpacked only when every member is a safe, honest image file."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artgan.app import datasets
from artgan.app.datasets import ArchiveError, check_images, data_folders, unpack_images
from tests.conftest import write_image


def png_bytes(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def zip_of(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_a_zip_of_class_folders_unpacks_and_loads_as_training_will(tmp_path):
    members = {f"art/{label}/{i}.png": png_bytes(i + 10 * j) for j, label in enumerate(("cubism", "fauvism")) for i in range(4)}
    members |= {"art/notes.txt": b"not an image", "__MACOSX/art/._0.png": b"resource fork", "art/cubism/broken.png": b"\x89PNG broken"}
    folder, count = unpack_images(zip_of(members), tmp_path / "unpacked")
    assert count == 9  # 8 images and the broken one (the loader, not the unpacker, judges pixels)
    assert folder == tmp_path / "unpacked" / "art"  # a zip of one folder is that folder: its sub-folders are the classes
    assert not (folder / "notes.txt").exists() and not (tmp_path / "unpacked" / "__MACOSX").exists()
    check = check_images(str(folder), 16, cache_dir=str(tmp_path / "cache"))
    assert check.images == 8 and check.class_names == ["cubism", "fauvism"]
    assert check.skipped == 1 and "broken.png" in check.skipped_examples[0]


@pytest.mark.parametrize("name", ["../escape.png", "/tmp/absolute.png", "art/../../escape.png", "C:/windows.png", "..\\escape.png"])
def test_names_that_leave_the_folder_are_refused_and_nothing_is_written(tmp_path, name):
    with pytest.raises(ArchiveError, match="outside the folder"):
        unpack_images(zip_of({"ok.png": png_bytes(0), name: png_bytes(1)}), tmp_path / "out" / "unpacked")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))
    assert not (tmp_path / "escape.png").exists() and not Path("/tmp/absolute.png").exists()


def test_links_are_refused(tmp_path):
    with pytest.raises(ArchiveError, match="symbolic link"):
        unpack_images(zip_of({"ok.png": png_bytes(0)}, links=("passwd.png",)), tmp_path / "unpacked")
    assert not (tmp_path / "unpacked").exists()


def test_a_zip_bomb_is_refused_before_it_is_written(tmp_path):
    bomb = zip_of({"ok.png": png_bytes(0), "bomb.png": bytes(40 * 2**20)})  # 40 MB of zeros deflate to ~40 kB
    assert len(bomb) < 200_000
    with pytest.raises(ArchiveError, match="zip bomb"):
        unpack_images(bomb, tmp_path / "unpacked")
    assert not (tmp_path / "unpacked").exists()


def test_a_member_that_lies_about_its_size_is_cut_off(tmp_path):
    data = bytearray(zip_of({"a.png": b"x" * 1000}))
    # shrink the declared size in the central directory (offset 24 after its signature) to 10 bytes
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ArchiveError, match="damaged"):
        unpack_images(bytes(data), tmp_path / "unpacked")
    assert not (tmp_path / "unpacked").exists()


def test_file_count_and_size_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MAX_FILES", 3)
    with pytest.raises(ArchiveError, match="holds 4 images; the limit is 3"):
        unpack_images(zip_of({f"{i}.png": png_bytes(i) for i in range(4)}), tmp_path / "a")
    monkeypatch.setattr(datasets, "MAX_ZIP_BYTES", 100)
    with pytest.raises(ArchiveError, match="the limit is 0 MB"):
        unpack_images(zip_of({"0.png": png_bytes(0)}), tmp_path / "b")


def test_not_a_zip_and_no_images_have_messages(tmp_path):
    with pytest.raises(ArchiveError, match="not a readable zip"):
        unpack_images(b"PK this is not a zip", tmp_path / "a")
    with pytest.raises(ArchiveError, match="holds no images"):
        unpack_images(zip_of({"readme.txt": b"hello"}), tmp_path / "b")


def test_the_folder_picker_lists_image_folders_and_never_leaves_its_root(tmp_path):
    root, outside = tmp_path / "data", tmp_path / "private"
    write_image(root / "flat" / "a.png")
    write_image(root / "styles" / "cubism" / "a.png")
    (root / "empty").mkdir()
    write_image(outside / "secret.png")
    (root / "link").symlink_to(outside, target_is_directory=True)
    names = [str(p.relative_to(root.resolve())) for p in data_folders(root)]
    assert names == [".", "flat", "styles", "styles/cubism"]

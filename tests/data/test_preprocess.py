"""Odd image modes, broken files, the cache, and the errors a user sees before training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import artgan.data.decode as decode_module
from artgan.config import DataConfig
from artgan.data import load_images
from artgan.data.preprocess import prepare_image, resize_and_crop
from artgan.errors import ArtganError
from tests.conftest import write_image


def test_resize_short_side_then_centre_crop():
    # A wide image whose centre third is white: the crop must keep the centre.
    array = np.zeros((30, 90), dtype=np.uint8)
    array[:, 30:60] = 255
    out = np.asarray(resize_and_crop(Image.fromarray(array), 10))
    assert out.shape == (10, 10) and out.min() > 200


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "I;16", "CMYK", "1", "LA", "F"])
def test_every_mode_becomes_rgb_or_grayscale(mode):
    image = Image.new("RGB", (20, 12), (200, 50, 10)).convert(mode) if mode not in ("I;16", "F") else None
    if mode == "I;16":
        image = Image.fromarray(np.linspace(0, 65535, 240, dtype=np.uint16).reshape(12, 20))
    if mode == "F":
        image = Image.fromarray(np.linspace(-3, 7, 240, dtype=np.float32).reshape(12, 20))
    for channels in (1, 3):
        out = prepare_image(image, 16, channels)
        assert out.shape == (channels, 16, 16) and out.dtype == np.uint8


def test_sixteen_bit_range_is_rescaled_not_clipped():
    ramp = Image.fromarray(np.linspace(0, 65535, 64 * 64, dtype=np.uint16).reshape(64, 64))
    out = prepare_image(ramp, 16, 1)
    assert out.min() <= 10 and out.max() >= 240  # clipping would make it all 255


def test_transparency_is_composited_on_white():
    clear = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    assert prepare_image(clear, 16, 3).min() == 255


def test_broken_files_are_skipped_and_counted(tmp_path):
    folder = tmp_path / "mixed"
    for i in range(3):
        write_image(folder / f"good{i}.png", seed=i)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "text.png").write_text("not an image at all")
    good_jpeg = write_image(tmp_path / "x.jpg", size=(64, 64), fmt="JPEG").read_bytes()
    (folder / "truncated.jpg").write_bytes(good_jpeg[: len(good_jpeg) // 3])
    data = load_images(DataConfig(source=str(folder), size=16))
    assert len(data) == 3 and data.skipped == 3
    assert any("text.png" in example for example in data.skipped_examples)


def test_formats_jpg_png_webp_bmp_all_load(tmp_path):
    for i, ext in enumerate(["jpg", "png", "webp", "bmp"]):
        write_image(tmp_path / "f" / f"a.{ext}", seed=i)
    assert len(load_images(DataConfig(source=str(tmp_path / "f"), size=16))) == 4


def test_no_usable_image_is_one_clear_error(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.png").write_text("nope")
    with pytest.raises(ArtganError, match="no usable image.*1 files could not be read"):
        load_images(DataConfig(source=str(tmp_path / "bad"), size=16))


def test_size_must_be_a_supported_power_of_two(labelled_folder):
    with pytest.raises(ArtganError, match="image size 48 is not supported"):
        load_images(DataConfig(source=str(labelled_folder), size=48))


def test_second_load_reads_the_cache_without_decoding(labelled_folder, monkeypatch):
    first = load_images(DataConfig(source=str(labelled_folder), size=16))

    def must_not_decode(*args, **kwargs):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(decode_module, "decode_one", must_not_decode)
    second = load_images(DataConfig(source=str(labelled_folder), size=16))
    assert torch.equal(first.images, second.images) and second.class_names == first.class_names


def test_cache_is_keyed_by_size_channels_and_content(labelled_folder):
    a = load_images(DataConfig(source=str(labelled_folder), size=16))
    assert load_images(DataConfig(source=str(labelled_folder), size=32)).size == 32
    assert load_images(DataConfig(source=str(labelled_folder), size=16, channels=1)).channels == 1
    write_image(labelled_folder / "portrait" / "new.png", seed=99)
    assert len(load_images(DataConfig(source=str(labelled_folder), size=16))) == len(a) + 1


def test_corrupt_cache_file_is_rebuilt(labelled_folder, tmp_path):
    config = DataConfig(source=str(labelled_folder), size=16)
    load_images(config)
    for cached in (tmp_path / "cache" / "datasets").glob("*.*"):
        cached.write_bytes(b"garbage")
    assert len(load_images(config)) == 12

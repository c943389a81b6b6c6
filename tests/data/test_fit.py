"""--fit pad keeps the whole of a non-square picture, transparent art included; crop cuts it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from artgan.config import DataConfig
from artgan.data import load_images
from artgan.data.preprocess import prepare_image


def tall_portrait(background=(200, 180, 40)) -> Image.Image:
    """40 x 160, a red head at the top and blue feet at the bottom: a centre crop loses both."""
    array = np.zeros((160, 40, 3), np.uint8)
    array[:] = background
    array[4:20, 12:28] = (255, 0, 0)
    array[140:156, 12:28] = (0, 0, 255)
    return Image.fromarray(array)


def reds_and_blues(image: np.ndarray) -> tuple[int, int]:
    r, g, b = image.astype(int)
    return int(((r > 150) & (g < 80) & (b < 80)).sum()), int(((b > 150) & (r < 80) & (g < 80)).sum())


def test_pad_keeps_the_whole_image_where_crop_cuts_it():
    cropped = prepare_image(tall_portrait(), 32, 3, "crop")
    padded = prepare_image(tall_portrait(), 32, 3, "pad")
    assert reds_and_blues(cropped) == (0, 0)
    red, blue = reds_and_blues(padded)
    assert red > 0 and blue > 0
    # Scaled to 8 x 32 and centred: the side bands are the picture's own border colour.
    assert (padded[:, :, :12] == np.array([200, 180, 40])[:, None, None]).all()
    assert (padded[:, :, 20:] == np.array([200, 180, 40])[:, None, None]).all()


def test_pad_white_pads_with_white():
    padded = prepare_image(tall_portrait(), 32, 3, "pad-white")
    assert (padded[:, :, :12] == 255).all() and (padded[:, :, 20:] == 255).all()
    assert min(reds_and_blues(padded)) > 0


@pytest.mark.parametrize("channels", [1, 3])
def test_transparent_art_is_padded_white_and_kept_whole(channels):
    rgba = np.zeros((160, 40, 4), np.uint8)  # transparent everywhere...
    rgba[4:156, 12:28] = (0, 0, 0, 255)  # ...but an opaque black figure from head to toe
    padded = prepare_image(Image.fromarray(rgba, "RGBA"), 32, channels, "pad")
    assert padded.shape == (channels, 32, 32)
    assert (padded[:, :, :12] >= 245).all()  # transparent border -> white (Lanczos rings a few levels), so is the padding
    figure_rows = np.nonzero((padded[0] < 60).any(axis=1))[0]
    assert figure_rows.min() <= 1 and figure_rows.max() >= 30  # head and feet both inside


def test_fit_is_part_of_the_cache_key(tmp_path):
    folder = tmp_path / "art"
    folder.mkdir()
    tall_portrait().save(folder / "portrait.png")
    crop = load_images(DataConfig(source=str(folder), size=32), progress=False)
    pad = load_images(DataConfig(source=str(folder), size=32, fit="pad"), progress=False)
    assert reds_and_blues(crop.images[0].numpy()) == (0, 0) and min(reds_and_blues(pad.images[0].numpy())) > 0

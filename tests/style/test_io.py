"""Images of any mode and size in, sizes checked before any memory is spent, colours kept on request."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from artgan.errors import ArtganError
from artgan.style.io import check_size, image_to_tensor, open_image, parse_run_spec, preserve_color


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "I;16", "CMYK"])
def test_any_image_mode_opens_as_rgb(tmp_path, mode):
    array = (np.arange(24 * 40) % 256).reshape(24, 40).astype(np.uint8)
    image = Image.fromarray(array).convert(mode) if mode != "I;16" else Image.fromarray(array.astype(np.uint16) * 200)
    path = tmp_path / ("x.tiff" if mode in ("CMYK", "I;16") else "x.png")
    image.save(path)
    opened = open_image(str(path))
    assert opened.mode == "RGB" and opened.size == (40, 24)
    assert np.asarray(opened).std() > 0  # 16-bit is rescaled, not clipped to white


def test_transparent_pixels_become_white(tmp_path):
    Image.new("RGBA", (8, 8), (255, 0, 0, 0)).save(tmp_path / "clear.png")
    assert open_image(str(tmp_path / "clear.png")).getpixel((0, 0)) == (255, 255, 255)


def test_missing_and_broken_files_are_clear_errors(tmp_path):
    with pytest.raises(ArtganError, match="not found"):
        open_image(str(tmp_path / "nope.png"))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ArtganError, match="cannot read"):
        open_image(str(tmp_path / "broken.png"))


def test_aspect_ratio_is_kept_with_sides_a_multiple_of_eight(photos):
    tensor = image_to_tensor(photos["chelsea"], 64)  # 451 x 300
    assert tensor.shape == (1, 3, 40, 64) and 0 <= tensor.min() and tensor.max() <= 1


def test_absurd_sizes_are_refused_before_allocating(monkeypatch):
    monkeypatch.setattr("artgan.style.io.device_memory", lambda device: 16 * 2**30)
    with pytest.raises(ArtganError, match="too small"):
        check_size(8)
    with pytest.raises(ArtganError, match="absurd"):
        check_size(100_000)
    with pytest.raises(ArtganError, match=r"GiB.*use a smaller --size"):
        check_size(2048)  # about 23 GiB of activations for the optimization
    check_size(256)


def test_run_specs_parse():
    assert parse_run_spec("runs/a") == ("runs/a", 0, False)
    assert parse_run_spec("runs/a:7") == ("runs/a", 7, False)
    assert parse_run_spec("runs/a:grid") == ("runs/a", 0, True)


def test_preserve_color_keeps_content_hue_and_stylized_light(photos):
    content = photos["coffee"].resize((32, 24))
    stylized = Image.new("RGB", (32, 24), (40, 200, 40))
    kept = np.asarray(preserve_color(stylized, content), dtype=float)
    assert abs(kept.mean() - np.asarray(stylized.convert("L"), dtype=float).mean()) < 12
    assert kept[..., 0].mean() > kept[..., 1].mean()  # the coffee's red, not the stylized green

"""The Stylize page: uploads checked on the page, generated images as inputs, a real (tiny) transfer."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from PIL import Image

from artgan.app.sessions import GALLERY_KEY, GalleryImage
from tests.app.conftest import download, page, pixels

def png(size=(48, 32), seed=0) -> bytes:
    array = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def no_vgg_weights(tmp_path, monkeypatch):
    """No VGG-19 weights anywhere, as on a fresh machine (the cache is the test's, see tests/conftest.py)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("ARTGAN_VGG_WEIGHTS", raising=False)


@pytest.fixture
def random_vgg(monkeypatch):
    """Style transfer on a seeded random VGG-19: offline, and the same code path as real weights."""
    monkeypatch.setenv("ARTGAN_VGG_WEIGHTS", "random")


def test_without_the_style_package_the_page_says_so(app_runs, monkeypatch):
    monkeypatch.setitem(sys.modules, "artgan.style", None)  # what an install without it looks like
    at = page("stylize").run()
    assert not at.exception and "Style transfer is not part of this artgan installation" in at.warning[0].value


@pytest.mark.parametrize("name, data, message", [
    ("notes.txt", b"just words", "'notes.txt' is not an image artgan can read"),
    ("cut.png", png((64, 64))[:300], "'cut.png' looks like a PNG file but is damaged"),
    ("empty.jpg", b"", "'empty.jpg' is empty"),
])
def test_bad_uploads_get_a_clear_message_on_the_page(app_runs, name, data, message):
    at = page("stylize").run()
    at.file_uploader(key="content_upload").upload(name, data)
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(message)
    assert at.button(key="stylize_go").disabled


def test_full_mode_stylizes_an_upload_with_a_generated_image_as_the_painting(app_runs, random_vgg, media):
    at = page("stylize")
    painting = Image.fromarray(np.tile(np.array([[[255, 0, 0]], [[0, 0, 255]]], np.uint8), (8, 16, 1)))
    at.session_state[GALLERY_KEY] = [GalleryImage("digits · seed 0 · #0", painting)]
    at.run()
    at.file_uploader(key="content_upload").upload("photo.png", png((96, 64)), "image/png")
    at.radio(key="style_source").set_value("A generated image")
    at.radio(key="stylize_mode").set_value("full")
    at.select_slider(key="stylize_size").set_value(64)
    at.run()
    at.slider(key="stylize_steps").set_value(10).run()
    assert not at.button(key="stylize_go").disabled
    at.button(key="stylize_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    result = pixels(download(at, media, "download_stylized"))
    assert result.shape[2] == 3 and result.shape[1] == 64 and 40 <= result.shape[0] <= 44  # 96x64 photo, 64 px long side
    assert "full mode, 64px, 10 steps" in at.get("image")[-1].proto.imgs[0].caption
    assert at.get("progress")  # the progress bar went by


def test_fast_mode_without_a_trained_decoder_says_how_to_train_one(app_runs, random_vgg, monkeypatch, tmp_path):
    monkeypatch.setenv("ARTGAN_ADAIN_DECODER", str(tmp_path / "no-decoder.safetensors"))
    at = page("stylize").run()
    at.file_uploader(key="content_upload").upload("photo.png", png(seed=1), "image/png")
    at.file_uploader(key="style_upload").upload("painting.png", png(seed=2), "image/png")
    at.run()
    at.button(key="stylize_go").click().run()
    assert not at.exception and "train-decoder" in at.error[0].value


def test_without_vgg_weights_the_page_says_what_to_download_and_starts_nothing(app_runs):
    at = page("stylize").run()
    assert not at.exception and "Style transfer needs the ImageNet VGG-19 weights" in at.warning[0].value
    at.file_uploader(key="content_upload").upload("photo.png", png(seed=1), "image/png")
    at.file_uploader(key="style_upload").upload("painting.png", png(seed=2), "image/png")
    at.run()
    assert at.button(key="stylize_go").disabled


def test_one_sessions_generated_images_are_not_offered_to_another(app_runs):
    first = page("generate").run()
    assert len(first.session_state[GALLERY_KEY]) == 16
    second = page("stylize").run()
    assert GALLERY_KEY not in second.session_state or second.session_state[GALLERY_KEY] == []
    assert second.radio(key="content_source").options == ["Upload a file"]


def test_a_refused_upload_says_why_leaves_the_uploader_empty_and_a_good_one_clears_the_error(app_runs):
    at = page("stylize").run()
    at.file_uploader(key="content_upload").upload("huge.png", png() + b"\0" * (21 * 2**20), "image/png")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["'huge.png' is 21.0 MB; the limit is 20 MB. Upload a smaller or more "
                                           "compressed image"]
    fresh = at.file_uploader(key="content_upload_1")  # the refused file is not left sitting in the uploader
    assert "up to 20 MB" in fresh.label
    fresh.upload("photo.png", png(), "image/png")
    at.run()
    assert not at.exception and not at.error  # the old message does not stay beside the new file

"""Find your painting (AppTest): the class is searched too on a conditional run, VGG-19 features join
the loss when the weights are there, and the page says why when they are not."""

from __future__ import annotations

import io

import numpy as np
import pytest

from artgan.app.runs import RUNS_ENV
from artgan.app.common import png_bytes
from artgan.generation import load_generator
from artgan.style import vgg as vgg_module
from artgan.visual.grid import to_pil
from tests.app.conftest import download, page


@pytest.fixture(autouse=True)
def no_vgg_weights(tmp_path, monkeypatch):
    """No VGG-19 weights anywhere, as on a fresh machine."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("ARTGAN_VGG_WEIGHTS", raising=False)


def find(root, monkeypatch, artwork: bytes):
    monkeypatch.setenv(RUNS_ENV, str(root))
    at = page("find").run()
    at.file_uploader(key="find_upload").upload("artwork.png", artwork, "image/png")
    at.slider(key="find_steps").set_value(20).run()
    at.button(key="find_go").click().run()
    assert not at.exception
    return at


def test_a_conditional_run_is_searched_over_its_classes_with_vgg_features_when_present(conditional_root, monkeypatch, media):
    model = load_generator(conditional_root / "digits-cdcgan")
    three = model.sample(1, seed=5, class_name="3")[0].permute(1, 2, 0).numpy()
    narrow = vgg_module.random_vgg(seed=0, width=0.125)  # the weights' layout at an eighth of the width: fast
    monkeypatch.setattr(vgg_module, "load_vgg", lambda download=True: narrow)
    at = find(conditional_root, monkeypatch, png_bytes(to_pil(three)))
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Class"] in model.class_names
    assert float(metrics["Pixel distance (RMSE)"]) >= 0
    assert any(caption.value.startswith("Loss: pixels + vgg") for caption in at.caption)
    latent = np.load(io.BytesIO(download(at, media, "find_latent")))
    assert latent.shape == (1, model.config.model.latent_dim)
    [button] = [b for b in at.get("download_button") if b.key == "find_latent"]
    assert f"--class {metrics['Class']}" in button.proto.help  # the latent is drawn again with its class


def test_without_vgg_weights_the_result_says_they_were_not_used_and_why(runs_root, monkeypatch):
    at = find(runs_root, monkeypatch, png_bytes(to_pil(np.full((16, 16, 1), 200, np.uint8))))
    [loss] = [caption.value for caption in at.caption if caption.value.startswith("Loss:")]
    assert loss.startswith("Loss: pixels.") and "VGG-19 features not used: VGG-19 weights not found" in loss
    assert "Class" not in {metric.label for metric in at.metric}

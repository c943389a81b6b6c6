"""Style-transfer fixtures: scikit-image's bundled photos, and VGG-19 with random weights.

Real ImageNet weights cannot be fetched in CI; random weights still make every loss, statistic
and code path real (the losses fall, the colours move), only the pictures mean nothing.
"""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from skimage import data

from artgan.style.io import image_to_tensor
from artgan.style.vgg import random_vgg

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    return {name: Image.fromarray(getattr(data, name)()) for name in ("astronaut", "chelsea", "coffee")}


@pytest.fixture(scope="session")
def narrow_vgg():
    """VGG-19's layout at a quarter of the width: the same code paths, milliseconds per step."""
    return random_vgg(seed=0, width=0.25)


@pytest.fixture
def as_tensor():
    return image_to_tensor


@pytest.fixture(autouse=True)
def _no_real_weights(tmp_path, monkeypatch):
    """Never find a user's real weight files (torch.hub's cache) and never hit the network."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.delenv("ARTGAN_VGG_WEIGHTS", raising=False)
    monkeypatch.delenv("ARTGAN_ADAIN_DECODER", raising=False)

    def offline(url, *args, **kwargs):
        raise OSError(f"offline test: no download of {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)

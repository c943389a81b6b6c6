"""The Inception-v3 path: artgan's own network (no torchvision, no torch-fidelity), the published
weights file's layout and hash, and the missing-weights advice."""

import json
import sys
from pathlib import Path

import pytest
import torch

from artgan.cli import main
from artgan.errors import ArtganError
from artgan.evaluation.features import (INCEPTION_URL, InceptionFeatures, extract, inception_weights_path,
                                        load_inception_weights, sha256_of)
from artgan.evaluation.inception import InceptionV3, resize_like_tensorflow1

# Names and shapes of every tensor in torch-fidelity's weights-inception-2015-12-05-6726825d.pth,
# read off torch-fidelity's own module (which loads that file strictly).
PUBLISHED_LAYOUT = json.loads((Path(__file__).parent / "inception_layout.json").read_text())


def test_missing_weights_say_what_to_download_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("ARTGAN_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(ArtganError) as error:
        inception_weights_path(download=False)
    message = str(error.value)
    assert INCEPTION_URL in message and str(tmp_path / "torch" / "hub" / "checkpoints") in message
    assert "--inception-weights" in message and "--features domain" in message
    with pytest.raises(ArtganError, match="does not exist"):
        inception_weights_path(tmp_path / "nope.pth")


def test_cli_inception_without_weights_is_a_clean_error(digits_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("ARTGAN_OFFLINE", "1")
    assert main(["evaluate", str(digits_run), "--features", "inception", "--quiet"]) == 2
    assert INCEPTION_URL in capsys.readouterr().err


def test_weights_in_the_hub_cache_are_found(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / INCEPTION_URL.rsplit("/", 1)[1]
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert inception_weights_path(download=False) == cached


def test_network_has_the_published_files_layout():
    layout = {name: list(tensor.shape) for name, tensor in InceptionV3().state_dict().items()}
    assert layout == PUBLISHED_LAYOUT


def test_tensorflow1_resize_has_no_half_pixel_offset():
    image = torch.tensor([[[[0.0, 10.0], [20.0, 30.0]]]])
    resized = resize_like_tensorflow1(image, 4)
    # source x = destination x * 0.5, clamped at the last pixel: 0, 0.5, 1, 1.5 -> 0, 5, 10, 10
    assert resized[0, 0, 0].tolist() == [0.0, 5.0, 10.0, 10.0]
    assert resized[0, 0, :, 0].tolist() == [0.0, 10.0, 20.0, 20.0]


@pytest.fixture
def random_weights_file(tmp_path, monkeypatch):
    """The real weights cannot be downloaded here: a randomly initialised network saved the same way."""
    torch.manual_seed(0)
    path = tmp_path / "inception.pth"
    torch.save(InceptionV3().state_dict(), path)
    monkeypatch.setenv("ARTGAN_INCEPTION_SHA256", sha256_of(path))
    return path


@pytest.mark.slow
def test_inception_features_load_from_a_weights_file_without_torchvision(random_weights_file):
    network = InceptionFeatures(random_weights_file)
    assert torch.equal(network.network.fc.weight, torch.load(random_weights_file, weights_only=True)["fc.weight"])
    features = extract(network, torch.randint(0, 256, (2, 1, 16, 16), dtype=torch.uint8))  # gray -> RGB
    assert features.vectors.shape == (2, 2048) and features.logits.shape == (2, 1008)
    assert features.vectors.std() > 0
    assert "torchvision" not in sys.modules and "torch_fidelity" not in sys.modules


def test_a_weights_file_with_another_hash_is_refused_before_unpickling(random_weights_file, monkeypatch):
    monkeypatch.delenv("ARTGAN_INCEPTION_SHA256")
    with pytest.raises(ArtganError, match="not the published") as error:
        load_inception_weights(random_weights_file)
    assert sha256_of(random_weights_file) in str(error.value) and "ARTGAN_INCEPTION_SHA256" in str(error.value)


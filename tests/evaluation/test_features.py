"""The Inception-v3 path: torch-fidelity's network loaded without torchvision, and the missing-weights advice."""

import sys

import pytest
import torch

from artgan.cli import main
from artgan.errors import ArtganError
from artgan.evaluation.features import (INCEPTION_URL, InceptionFeatures, extract, import_torch_fidelity_inception,
                                        inception_weights_path)


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


@pytest.mark.slow
def test_inception_features_load_from_a_weights_file_without_torchvision(tmp_path, monkeypatch):
    module = import_torch_fidelity_inception()
    assert "torchvision" not in sys.modules
    # Real weights cannot be downloaded here: save a randomly initialised network in the same format.
    monkeypatch.setattr(module, "load_state_dict_from_url", lambda *a, **k: None)
    monkeypatch.setattr(module.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
    random_network = module.FeatureExtractorInceptionV3("x", ["2048"])
    monkeypatch.undo()
    torch.save(random_network.state_dict(), tmp_path / "inception.pth")
    network = InceptionFeatures(tmp_path / "inception.pth")
    assert torch.equal(network.network.fc.weight, random_network.fc.weight)
    features = extract(network, torch.randint(0, 256, (2, 1, 16, 16), dtype=torch.uint8))  # gray -> RGB
    assert features.vectors.shape == (2, 2048) and features.logits.shape == (2, 1008)
    assert "torchvision" not in sys.modules

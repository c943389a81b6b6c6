"""VGG-19 without torchvision: torchvision's weight-file layout, and where the weights come from."""

from __future__ import annotations

import pytest
import torch

from artgan.errors import ArtganError
from artgan.style import vgg as vgg_module
from artgan.style.vgg import LAYER_INDEX, WEIGHTS_FILE, WEIGHTS_URL, load_vgg

# torchvision.models.vgg19().state_dict(), written out by hand: the index and shape of every conv
# in `features`, and the classifier that a style network must skip.
TORCHVISION_CONVS = {0: (64, 3), 2: (64, 64), 5: (128, 64), 7: (128, 128), 10: (256, 128), 12: (256, 256),
                     14: (256, 256), 16: (256, 256), 19: (512, 256), 21: (512, 512), 23: (512, 512),
                     25: (512, 512), 28: (512, 512), 30: (512, 512), 32: (512, 512), 34: (512, 512)}
TORCHVISION_CLASSIFIER = {"classifier.0.weight": (4096, 25088), "classifier.0.bias": (4096,),
                          "classifier.3.weight": (4096, 4096), "classifier.3.bias": (4096,),
                          "classifier.6.weight": (1000, 4096), "classifier.6.bias": (1000,)}


def fake_torchvision_state(classifier_scale: int = 64) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    state = {}
    for index, (out, cin) in TORCHVISION_CONVS.items():
        state[f"features.{index}.weight"] = torch.randn(out, cin, 3, 3, generator=generator) * 0.01
        state[f"features.{index}.bias"] = torch.randn(out, generator=generator) * 0.01
    for key, shape in TORCHVISION_CLASSIFIER.items():  # shrunk: only their names matter here
        state[key] = torch.zeros(*(max(1, side // classifier_scale) for side in shape))
    return state


def test_torchvision_weight_file_loads_into_the_same_layers(tmp_path):
    state = fake_torchvision_state()
    path = tmp_path / WEIGHTS_FILE
    torch.save(state, path)
    model = load_vgg(str(path))
    assert model.source == str(path)
    for index in TORCHVISION_CONVS:
        assert torch.equal(model.features[index].weight, state[f"features.{index}.weight"])
        assert torch.equal(model.features[index].bias, state[f"features.{index}.bias"])


def test_layer_names_sit_at_torchvision_indices():
    # The indices every PyTorch style-transfer port uses for torchvision's VGG-19.
    assert {name: LAYER_INDEX[name] for name in ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "conv4_2", "conv5_1")} \
        == {"relu1_1": 1, "relu2_1": 6, "relu3_1": 11, "relu4_1": 20, "conv4_2": 21, "conv5_1": 28}


def test_bare_features_state_dict_and_safetensors_load(tmp_path):
    from safetensors.torch import save_file

    bare = {key[len("features."):]: value for key, value in fake_torchvision_state().items() if key.startswith("features.")}
    save_file(bare, str(tmp_path / "vgg.safetensors"))
    model = load_vgg(str(tmp_path / "vgg.safetensors"))
    assert torch.equal(model.features[34].weight, bare["34.weight"])


def test_wrong_network_is_refused_with_the_key(tmp_path):
    state = fake_torchvision_state()
    state["features.28.weight"] = torch.zeros(256, 512, 3, 3)
    torch.save(state, tmp_path / "vgg16ish.pth")
    with pytest.raises(ArtganError, match=r"features\.28\.weight|28\.weight"):
        load_vgg(str(tmp_path / "vgg16ish.pth"))


def test_missing_weights_say_what_to_download_and_where(tmp_path):
    with pytest.raises(ArtganError) as error:
        load_vgg()
    message = str(error.value)
    assert WEIGHTS_URL in message
    assert str(tmp_path / "cache" / "weights" / WEIGHTS_FILE) in message
    assert "--vgg-weights" in message


def test_weights_are_found_in_env_then_cache(tmp_path, monkeypatch):
    torch.save(fake_torchvision_state(), tmp_path / "mine.pth")
    monkeypatch.setenv("ARTGAN_VGG_WEIGHTS", str(tmp_path / "mine.pth"))
    assert load_vgg().source == str(tmp_path / "mine.pth")
    monkeypatch.delenv("ARTGAN_VGG_WEIGHTS")
    cached = vgg_module.weights_cache() / WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    (tmp_path / "mine.pth").rename(cached)
    assert load_vgg().source == str(cached)


def test_env_pointing_nowhere_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGAN_VGG_WEIGHTS", str(tmp_path / "nope.pth"))
    with pytest.raises(ArtganError, match=r"\$ARTGAN_VGG_WEIGHTS points to .*nope\.pth"):
        load_vgg()


def test_forward_returns_requested_layers_with_vgg_shapes():
    model = load_vgg("random:1")
    out = model(torch.rand(1, 3, 32, 48), ("relu1_1", "conv4_2", "conv5_1"))
    assert out["relu1_1"].shape == (1, 64, 32, 48)
    assert out["conv4_2"].shape == (1, 512, 4, 6)
    assert out["conv5_1"].shape == (1, 512, 2, 3)
    assert (out["relu1_1"] >= 0).all() and (out["conv4_2"] < 0).any()  # conv outputs are taken before ReLU

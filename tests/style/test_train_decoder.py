"""Training the AdaIN decoder: its losses fall, and `stylize --fast` then uses what was written."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from artgan.cli import main
from artgan.errors import ArtganError
from artgan.style.adain import load_decoder
from artgan.style.settings import DecoderTraining
from artgan.style.train_decoder import train_decoder


def uint8_set(tensor: torch.Tensor) -> torch.Tensor:
    return (tensor * 255).round().byte()


def test_decoder_losses_fall_and_the_file_is_written(narrow_vgg, photos, as_tensor, tmp_path):
    content = uint8_set(torch.cat([as_tensor(photos[name].resize((64, 64)), 32) for name in ("astronaut", "chelsea")]))
    style = uint8_set(as_tensor(photos["coffee"].resize((64, 64)), 32))
    out = tmp_path / "decoder.safetensors"
    history = train_decoder(narrow_vgg, content, style, out, DecoderTraining(steps=30, batch=2, lr=3e-4, save_every=20),
                            show_bar=False)
    total = [c + 10 * s for c, s in history]
    assert sum(total[-5:]) < 0.7 * sum(total[:5])
    assert load_decoder(narrow_vgg, out) is not None


@pytest.mark.slow
def test_train_decoder_cli_then_fast_stylize(tmp_path, photos, capsys):
    for name, image in photos.items():
        image.save(tmp_path / f"{name}.png")
    (tmp_path / "photos").mkdir()
    for name in ("astronaut", "chelsea"):
        (tmp_path / f"{name}.png").rename(tmp_path / "photos" / f"{name}.png")
    decoder = tmp_path / "decoder.safetensors"
    assert main(["style", "train-decoder", "--content", str(tmp_path / "photos"), "--style", "builtin:art",
                 "--limit", "12", "--size", "32", "--steps", "3", "--batch", "2", "--vgg-weights", "random",
                 "--out", str(decoder), "--quiet"]) == 0
    out = tmp_path / "fast.png"
    assert main(["stylize", str(tmp_path / "photos" / "chelsea.png"), str(tmp_path / "coffee.png"), "--fast",
                 "--decoder", str(decoder), "--vgg-weights", "random", "--size", "64", "--strength", "0.5",
                 "-o", str(out)]) == 0
    assert Image.open(out).size == (64, 40) and "fast mode" in capsys.readouterr().out


def test_decoder_is_found_where_stylize_looks(tmp_path, photos, monkeypatch):
    monkeypatch.setenv("ARTGAN_ADAIN_DECODER", str(tmp_path / "mine.safetensors"))
    from artgan.style import stylize

    with pytest.raises(ArtganError, match="mine.safetensors does not exist"):
        stylize(photos["chelsea"], photos["coffee"], mode="fast", size=32, weights="random")

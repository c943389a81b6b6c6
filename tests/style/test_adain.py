"""AdaIN: exact statistics transfer, the strength dial, and decoders tied to their VGG."""

from __future__ import annotations

import pytest
import torch

from artgan.errors import ArtganError
from artgan.style.adain import AdaIN, adain, load_decoder, save_decoder
from artgan.style.losses import channel_mean_std
from artgan.style.vgg import random_vgg


def test_adain_gives_content_features_the_style_channel_statistics():
    generator = torch.Generator().manual_seed(0)
    content = torch.randn(2, 8, 12, 16, generator=generator) * 3 + 1
    style = torch.randn(2, 8, 9, 7, generator=generator) * 0.5 - 2
    out = adain(content, style)
    for got, want in zip(channel_mean_std(out), channel_mean_std(style)):
        assert torch.allclose(got, want, atol=1e-4)
    # and the spatial layout is the content's: normalised features are unchanged up to scale
    normalised = lambda x: (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), keepdim=True)  # noqa: E731
    assert torch.allclose(normalised(out), normalised(content), atol=1e-4)


def test_strength_one_decodes_exact_style_statistics_and_zero_the_content(narrow_vgg, photos, as_tensor):
    model = AdaIN(narrow_vgg)
    content, style = as_tensor(photos["astronaut"], 64), as_tensor(photos["coffee"], 32)
    seen = []
    model.decoder.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    with torch.no_grad():
        out = model(content, [style], strength=1.0)
        model(content, [style], strength=0.0)
    assert out.shape == content.shape
    (mean, std), (style_mean, style_std) = channel_mean_std(seen[0]), channel_mean_std(model.encode(style))
    assert torch.allclose(mean, style_mean, atol=1e-4)
    # exact (up to AdaIN's eps) where there is a spread to copy: dead ReLU channels have none
    alive = (channel_mean_std(model.encode(content))[1] > 0.1) & (style_std > 1e-2)
    assert alive.float().mean() > 0.5 and torch.allclose(std[alive], style_std[alive], rtol=2e-3, atol=1e-4)
    assert torch.allclose(seen[1], model.encode(content), atol=1e-5)


def test_decoder_round_trip_and_vgg_mismatch_is_refused(tmp_path, narrow_vgg):
    model = AdaIN(narrow_vgg)
    path = save_decoder(model.decoder, tmp_path / "decoder.safetensors", narrow_vgg.source, steps=3)
    loaded = load_decoder(narrow_vgg, path)
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.decoder.state_dict().values()))
    other = random_vgg(seed=5, width=0.25)
    with pytest.raises(ArtganError, match="trained against VGG weights 'random:0'"):
        load_decoder(other, path)


def test_missing_decoder_says_how_to_train_one(tmp_path, narrow_vgg):
    with pytest.raises(ArtganError, match="artgan style train-decoder --content"):
        load_decoder(narrow_vgg, tmp_path / "none.safetensors")

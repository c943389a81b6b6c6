"""Arbitrary style transfer in one forward pass: AdaIN (Huang & Belongie, ICCV 2017).

Encode content and style with VGG-19 up to relu4_1, give the content features the style
features' channel means and standard deviations (adaptive instance normalisation), decode back to
pixels. Only the decoder is learned (``artgan style train-decoder``); a decoder belongs to the VGG
weights it was trained against, so its file records them and a mismatch is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from artgan.errors import ArtganError
from artgan.paths import cache_root
from artgan.style.losses import blend_weights, channel_mean_std
from artgan.style.vgg import VGG19Features

ENCODER_LAYER = "relu4_1"
DECODER_ENV = "ARTGAN_ADAIN_DECODER"
DECODER_FILE = "adain_decoder.safetensors"


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """AdaIN(x, y) = sigma(y) * (x - mu(x)) / sigma(x) + mu(y), per image and channel (eq. 8)."""
    content_mean, content_std = channel_mean_std(content, eps)
    style_mean, style_std = channel_mean_std(style, eps)
    return (content.float() - content_mean) / content_std * style_std + style_mean


class Decoder(nn.Module):
    """The encoder (VGG-19 to relu4_1) mirrored: pooling becomes nearest upsampling, reflection
    padding avoids border artefacts (Huang & Belongie 2017, section 6)."""

    def __init__(self, widths: tuple[int, int, int, int] = (512, 256, 128, 64)):
        super().__init__()
        c4, c3, c2, c1 = widths

        def conv(cin, cout, relu=True):
            layers = [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3)]
            return layers + [nn.ReLU()] if relu else layers

        up = nn.Upsample(scale_factor=2, mode="nearest")
        self.layers = nn.Sequential(
            *conv(c4, c3), up,
            *conv(c3, c3), *conv(c3, c3), *conv(c3, c3), *conv(c3, c2), up,
            *conv(c2, c2), *conv(c2, c1), up,
            *conv(c1, c1), *conv(c1, 3, relu=False),
        )
        self.widths = widths

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features)


def decoder_for(vgg: VGG19Features) -> Decoder:
    return Decoder(tuple(vgg.channels(name) for name in ("relu4_1", "relu3_1", "relu2_1", "relu1_1")))


class AdaIN(nn.Module):
    """Encoder (frozen VGG) + AdaIN + decoder; images are (B, 3, H, W) in [0, 1]."""

    def __init__(self, vgg: VGG19Features, decoder: Decoder | None = None):
        super().__init__()
        self.vgg = vgg
        self.decoder = decoder or decoder_for(vgg)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return self.vgg(images, (ENCODER_LAYER,))[ENCODER_LAYER]

    def forward(self, content: torch.Tensor, styles: list[torch.Tensor], strength: float = 1.0,
                blend: list[float] | None = None) -> torch.Tensor:
        """``strength`` in [0, 1] interpolates features between the content's and the stylized
        (eq. 14); several styles are mixed by ``blend`` weights in feature space (section 7.3)."""
        content_features = self.encode(content)
        weights = blend_weights(blend, len(styles))
        target = sum(w * adain(content_features, self.encode(style)) for w, style in zip(weights, styles))
        mixed = strength * target + (1 - strength) * content_features.float()
        return self.decoder(mixed.to(content_features.dtype))


def default_decoder_path() -> Path:
    return Path(os.environ.get(DECODER_ENV) or cache_root() / "weights" / DECODER_FILE).expanduser()


def save_decoder(decoder: Decoder, path: str | Path, vgg_source: str, steps: int) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    save_file({k: v.contiguous().cpu() for k, v in decoder.state_dict().items()}, str(temporary),
              metadata={"vgg": vgg_source, "steps": str(steps), "widths": ",".join(map(str, decoder.widths))})
    temporary.replace(path)  # atomic: an interrupted save never leaves a half-written decoder
    return path


def load_decoder(vgg: VGG19Features, path: str | Path | None = None) -> Decoder:
    """The trained decoder at ``path`` (default: ``$ARTGAN_ADAIN_DECODER`` or artgan's cache),
    refused if it was trained against other VGG weights than ``vgg``'s."""
    from safetensors import safe_open

    path = Path(path) if path else default_decoder_path()
    if not path.is_file():
        raise ArtganError(f"fast mode needs a trained AdaIN decoder and {path} does not exist. Train one (once) with "
                          f"`artgan style train-decoder --content PHOTOS_DIR --style PAINTINGS_DIR --out {path}`, "
                          "or use --mode full (no decoder needed)")
    with safe_open(str(path), "pt") as file:
        metadata = file.metadata() or {}
    trained_with = metadata.get("vgg", "?")
    if Path(trained_with).name != Path(vgg.source).name:
        raise ArtganError(f"the decoder {path} was trained against VGG weights {trained_with!r}, not {vgg.source!r}; "
                          "retrain it with `artgan style train-decoder` and these weights")
    decoder = decoder_for(vgg)
    try:
        decoder.load_state_dict(load_file(str(path)))
    except RuntimeError as error:
        raise ArtganError(f"{path} is not a decoder for this VGG: {str(error).splitlines()[0]}") from None
    return decoder.eval()

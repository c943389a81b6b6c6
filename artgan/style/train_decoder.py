"""Train the AdaIN decoder (Huang & Belongie 2017, section 6) on the user's photos and paintings.

The encoder is the frozen VGG-19. For a content batch c and style batch s, t = AdaIN(f(c), f(s));
the decoder g is trained so that f(g(t)) matches t (content loss at relu4_1) and the channel
means and deviations of s at relu1_1..relu4_1 (style loss). Images come through artgan's data
module, so any training source works (a folder, builtin:art, hf:...), and styles can be
``run:PATH`` (a trained GAN's samples).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import torch
from tqdm.auto import tqdm

from artgan.errors import ArtganError
from artgan.style.adain import ENCODER_LAYER, AdaIN, adain, save_decoder
from artgan.style.losses import content_loss, moment_loss
from artgan.style.settings import DecoderTraining
from artgan.style.vgg import VGG19Features

STYLE_STAT_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


def load_training_images(source: str, size: int, limit: int, seed: int, progress: bool) -> torch.Tensor:
    """uint8 (N, 3, size, size) from an artgan data source, or ``run:PATH`` (a run's samples)."""
    if source.startswith("run:"):
        from artgan.generation import load_generator

        images = load_generator(source[len("run:"):]).sample(limit or 256, seed)
        images = images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
        return torch.nn.functional.interpolate(images.float(), size=(size, size), mode="bilinear").round().byte()
    from artgan.config import DataConfig
    from artgan.data import load_images

    data = load_images(DataConfig(source=source, size=size, channels=3, limit=limit), progress=progress)
    if len(data) == 0:
        raise ArtganError(f"{source!r} holds no usable image to train the decoder on")
    return data.images


def train_decoder(vgg: VGG19Features, content: torch.Tensor, style: torch.Tensor, out: str | Path,
                  settings: DecoderTraining | None = None, device: torch.device = torch.device("cpu"),
                  autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
                  show_bar: bool = True) -> list[tuple[float, float]]:
    """Train a decoder for ``vgg`` on uint8 image sets; saves to ``out``; returns (content, style) losses."""
    settings = settings or DecoderTraining()
    if settings.steps < 1 or settings.batch < 1:
        raise ArtganError(f"--steps and --batch must be at least 1, got {settings.steps} and {settings.batch}")
    torch.manual_seed(settings.seed)
    model = AdaIN(vgg.to(device)).to(device)
    optimizer = torch.optim.Adam(model.decoder.parameters(), lr=settings.lr)
    generator = torch.Generator().manual_seed(settings.seed)
    history: list[tuple[float, float]] = []
    bar = tqdm(range(settings.steps), desc="training AdaIN decoder", unit="step", disable=not show_bar)
    for step in bar:
        content_batch = random_batch(content, settings.batch, generator).to(device)
        style_batch = random_batch(style, settings.batch, generator).to(device)
        with autocast():
            losses = decoder_losses(model, content_batch, style_batch)
        loss = losses[0] + settings.style_weight * losses[1]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history.append((float(losses[0].detach()), float(losses[1].detach())))
        bar.set_postfix(content=f"{history[-1][0]:.3g}", style=f"{history[-1][1]:.3g}", refresh=False)
        if (step + 1) % settings.save_every == 0 or step + 1 == settings.steps:
            save_decoder(model.decoder, out, vgg.source, step + 1)
    return history


def decoder_losses(model: AdaIN, content: torch.Tensor, style: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Huang & Belongie (2017) eqs. 2-4: L_c = ||f(g(t)) - t||, L_s = sum of moment differences."""
    with torch.no_grad():
        style_features = model.vgg(style, STYLE_STAT_LAYERS)
        target = adain(model.encode(content), style_features[ENCODER_LAYER])
    output_features = model.vgg(model.decoder(target.to(content.dtype)), STYLE_STAT_LAYERS)
    style_term = sum(moment_loss(output_features[name], style_features[name]) for name in STYLE_STAT_LAYERS)
    return content_loss(output_features[ENCODER_LAYER], target), style_term


def random_batch(images: torch.Tensor, batch: int, generator: torch.Generator) -> torch.Tensor:
    """A random batch as float [0, 1], each image flipped left-right half the time."""
    picks = torch.randint(len(images), (batch,), generator=generator)
    chosen = images[picks].float() / 255
    flip = torch.rand(batch, generator=generator) < 0.5
    chosen[flip] = chosen[flip].flip(-1)
    return chosen

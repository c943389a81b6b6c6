"""Gatys optimization on scikit-image's photos with random VGG weights: the losses really fall
and the picture really moves toward the style."""

from __future__ import annotations

import torch

from artgan.style.gatys import gatys_transfer, scale_sizes
from artgan.style.losses import gram_matrix, total_variation
from artgan.style.settings import GatysSettings


def test_style_loss_falls_and_colours_move_toward_the_style(narrow_vgg, photos, as_tensor):
    content, style = as_tensor(photos["astronaut"], 32), as_tensor(photos["coffee"], 32)
    out, history = gatys_transfer(narrow_vgg, content, [style], GatysSettings(steps=15), show_bar=False)
    assert out.shape == content.shape and 0 <= out.min() and out.max() <= 1
    assert len(history) >= 15
    assert history[-1].style < 0.2 * history[0].style
    assert history[-1].total < history[0].total
    mean = lambda x: x.mean((0, 2, 3))  # noqa: E731
    assert (mean(out) - mean(style)).abs().sum() < 0.8 * (mean(content) - mean(style)).abs().sum()


def test_adam_and_noise_start_also_descend(narrow_vgg, photos, as_tensor):
    content, style = as_tensor(photos["chelsea"], 32), as_tensor(photos["coffee"], 32)
    settings = GatysSettings(steps=12, optimizer="adam", lr=0.05, init="noise")
    out, history = gatys_transfer(narrow_vgg, content, [style], settings, show_bar=False)
    assert history[-1].total < 0.5 * history[0].total
    assert out.shape == content.shape  # 32 x 21 -> 32 x 24: sides stay multiples of 8


def test_zero_strength_gives_back_the_content(narrow_vgg, photos, as_tensor):
    content, style = as_tensor(photos["astronaut"], 32), as_tensor(photos["coffee"], 32)
    out, _ = gatys_transfer(narrow_vgg, content, [style], GatysSettings(steps=3, tv_weight=0), strength=0,
                            show_bar=False)
    assert torch.allclose(out, content, atol=1e-6)


def test_blended_styles_land_between_the_two(narrow_vgg, photos, as_tensor):
    content = as_tensor(photos["astronaut"], 32)
    a, b = as_tensor(photos["coffee"], 32), as_tensor(photos["chelsea"], 32)
    gram = lambda x: gram_matrix(narrow_vgg(x, ("conv1_1",))["conv1_1"])  # noqa: E731
    outputs = {}
    for blend in ([1, 0], [0, 1]):
        outputs[tuple(blend)], _ = gatys_transfer(narrow_vgg, content, [a, b], GatysSettings(steps=10, style_blend=blend),
                                                  show_bar=False)
    to_a = lambda x: (gram(x) - gram(a)).norm()  # noqa: E731
    assert to_a(outputs[(1, 0)]) < to_a(outputs[(0, 1)])


def test_coarse_to_fine_runs_every_scale(narrow_vgg, photos, as_tensor):
    assert scale_sizes(256, 0) == [256]
    assert scale_sizes(1024, 0) == [512, 1024]
    assert scale_sizes(2048, 0) == [512, 1024, 2048]
    content, style = as_tensor(photos["astronaut"], 64), as_tensor(photos["coffee"], 64)
    progress = []
    out, history = gatys_transfer(narrow_vgg, content, [style], GatysSettings(steps=3, scales=2),
                                  progress=progress.append, show_bar=False)
    assert out.shape == content.shape and 6 <= len(history) <= 6 + 2 * 25  # at most one line search over, per scale
    assert progress[-1] == 1.0 and progress == sorted(progress)


def test_total_variation_is_zero_on_flat_images_only():
    assert total_variation(torch.full((1, 3, 8, 8), 0.3)) == 0
    assert total_variation(torch.rand(1, 3, 8, 8)) > 0


def test_gram_does_not_depend_on_image_size():
    tile = torch.rand(1, 4, 5, 5)
    assert torch.allclose(gram_matrix(tile), gram_matrix(tile.repeat(1, 1, 3, 3)), atol=1e-6)

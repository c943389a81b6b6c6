"""DiffAugment's transforms do what the paper says, differentiably and reproducibly."""

from __future__ import annotations

import pytest
import torch

from artgan.training.augment import TRANSFORMS, color, cutout, diff_augment, translation


def rng(seed=0):
    return torch.Generator().manual_seed(seed)


def test_translation_shifts_content_by_at_most_an_eighth_and_pads_with_zeros():
    x = torch.zeros(32, 1, 16, 16)
    x[:, :, 8, 8] = 1.0
    out = translation(x, rng())
    positions = out[:, 0].flatten(1).argmax(1)
    rows, cols = positions // 16, positions % 16
    assert out.sum((1, 2, 3)).eq(1).all()  # the pixel moved, nothing was invented
    assert (rows - 8).abs().max() <= 2 and (cols - 8).abs().max() <= 2
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 5  # shifts differ per image
    edge = translation(torch.ones(64, 1, 16, 16), rng())
    assert (edge == 0).any()  # zeros came in at some border


def test_cutout_blanks_one_square_of_half_the_side():
    out = cutout(torch.ones(64, 3, 16, 16), rng())
    blanked = (out[:, 0] == 0).flatten(1).sum(1)
    assert blanked.max() == 8 * 8 and blanked.min() > 0
    assert (out[:, 0] == out[:, 1]).all()  # same hole in every channel


def test_color_changes_each_image_differently():
    x = torch.rand(8, 3, 4, 4) * 2 - 1
    out = color(x, rng())
    assert out.shape == x.shape and not torch.allclose(out, x)
    assert out.mean((1, 2, 3)).std() > 0.05


@pytest.mark.parametrize("policy", [[name] for name in TRANSFORMS] + [list(TRANSFORMS)])
def test_augmentation_is_differentiable_and_reproducible(policy):
    x = torch.rand(4, 3, 16, 16, requires_grad=True)
    out = diff_augment(x, policy, rng(1))
    out.pow(2).sum().backward()
    assert x.grad.abs().sum() > 0
    assert torch.equal(out, diff_augment(x, policy, rng(1)))
    assert not torch.equal(out, diff_augment(x, policy, rng(2)))

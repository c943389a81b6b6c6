"""Each loss against its formula worked out by hand on a two-sample batch."""

from __future__ import annotations

import math

import pytest
import torch

from artgan.variants import losses

log, sigmoid = math.log, lambda x: 1 / (1 + math.exp(-x))


def test_bce_discriminator_loss_is_minus_log_d_real_plus_log_one_minus_d_fake():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 1.0])
    expected = -(log(sigmoid(0)) + log(sigmoid(2))) / 2 - (log(1 - sigmoid(-1)) + log(1 - sigmoid(1))) / 2
    assert losses.bce_discriminator_loss(real, fake).item() == pytest.approx(expected, rel=1e-6)


def test_bce_discriminator_loss_uses_smoothed_targets():
    real, fake = torch.tensor([1.0]), torch.tensor([-1.0])
    # target t: -(t log s + (1 - t) log(1 - s))
    expected = -(0.9 * log(sigmoid(1)) + 0.1 * log(1 - sigmoid(1))) - (0.2 * log(sigmoid(-1)) + 0.8 * log(1 - sigmoid(-1)))
    got = losses.bce_discriminator_loss(real, fake, torch.tensor([0.9]), torch.tensor([0.2]))
    assert got.item() == pytest.approx(expected, rel=1e-6)


def test_non_saturating_generator_loss():
    assert losses.non_saturating_generator_loss(torch.tensor([0.0, 3.0])).item() == pytest.approx(
        -(log(0.5) + log(sigmoid(3))) / 2, rel=1e-6)


def test_wasserstein_losses():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.5, 1.5])
    assert losses.wasserstein_critic_loss(real, fake).item() == pytest.approx(1.0 - 2.0)
    assert losses.wasserstein_generator_loss(fake).item() == pytest.approx(-1.0)


def test_hinge_losses():
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-2.0, 0.5])
    # real: (max(0, 0.5) + max(0, -1)) / 2 = 0.25; fake: (max(0, -1) + max(0, 1.5)) / 2 = 0.75
    assert losses.hinge_discriminator_loss(real, fake).item() == pytest.approx(1.0)
    assert losses.hinge_generator_loss(fake).item() == pytest.approx(0.75)


def squares(x, labels=None):
    """A 'critic' whose input gradient is known: d/dx sum(x^2) = 2x."""
    return x.pow(2).flatten(1).sum(1)


def test_gradient_penalty_at_the_interpolate():
    real, fake = torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)
    # x_hat = 0.5 everywhere -> gradient 1 in each of 4 pixels -> norm 2 -> (2 - 1)^2 = 1
    assert losses.gradient_penalty(squares, real, fake, None, torch.tensor([0.5])).item() == pytest.approx(1.0)
    # mix 1 -> x_hat = real -> gradient 2 per pixel -> norm 4 -> 9
    assert losses.gradient_penalty(squares, real, fake, None, torch.tensor([1.0])).item() == pytest.approx(9.0)


def test_gradient_penalty_trains_the_critic():
    weight = torch.tensor(3.0, requires_grad=True)
    penalty = losses.gradient_penalty(lambda x, y: weight * x.sum((1, 2, 3)), torch.ones(2, 1, 1, 1),
                                      torch.zeros(2, 1, 1, 1), None, torch.rand(2))
    penalty.backward()  # (|w| - 1)^2 -> d/dw = 2 (w - 1) = 4
    assert penalty.item() == pytest.approx(4.0) and weight.grad.item() == pytest.approx(4.0)


def test_r1_penalty_is_the_squared_gradient_norm_at_real_images():
    real = torch.tensor([[1.0, 2.0]])
    assert losses.r1_penalty(squares, real.view(1, 1, 1, 2), None).item() == pytest.approx(4 + 16)


def test_auxiliary_classifier_loss_is_the_class_nll():
    logits = torch.tensor([[0.0, 0.0], [log(3.0), 0.0]])
    expected = -(log(0.5) + log(0.75)) / 2
    assert losses.auxiliary_classifier_loss(logits, torch.tensor([0, 0])).item() == pytest.approx(expected, rel=1e-6)


def test_style_ambiguity_uniform_form():
    logits = torch.tensor([[0.0, log(3.0)]])  # posterior (0.25, 0.75)
    assert losses.style_ambiguity_loss(logits, "uniform").item() == pytest.approx(-(log(0.25) + log(0.75)) / 2, rel=1e-6)
    # a perfectly ambiguous posterior reaches the minimum, log K
    assert losses.style_ambiguity_loss(torch.zeros(3, 4), "uniform").item() == pytest.approx(log(4), rel=1e-6)


def test_style_ambiguity_binary_form():
    logits = torch.tensor([[0.0, log(3.0)]])
    p = (0.25, 0.75)
    expected = -sum(0.5 * log(pk) + 0.5 * log(1 - pk) for pk in p)
    assert losses.style_ambiguity_loss(logits, "binary").item() == pytest.approx(expected, rel=1e-5)


def test_style_ambiguity_pushes_a_confident_posterior_towards_uniform():
    logits = torch.tensor([[4.0, 0.0, 0.0]], requires_grad=True)
    losses.style_ambiguity_loss(logits).backward()
    assert logits.grad[0, 0] > 0 and (logits.grad[0, 1:] < 0).all()  # descent lowers the confident style


def test_noisy_targets():
    g = torch.Generator().manual_seed(0)
    real, fake = losses.noisy_targets(1000, 0.0, False, 0.0, g)
    assert (real == 1).all() and (fake == 0).all()
    real, fake = losses.noisy_targets(1000, 0.2, False, 0.0, g)
    assert real.min() >= 0.8 and real.max() <= 1 and real.std() > 0.04 and (fake == 0).all()
    real, fake = losses.noisy_targets(1000, 0.2, True, 0.0, g)
    assert fake.min() >= 0 and fake.max() <= 0.2 and fake.std() > 0.04
    real, fake = losses.noisy_targets(1000, 0.0, False, 0.25, g)
    assert 0.2 < (real == 0).float().mean() < 0.3 and 0.2 < (fake == 1).float().mean() < 0.3

"""Every loss and penalty of artgan's GAN variants, each in the form of the paper it cites.

Logits come in, a scalar loss goes out. Losses are computed in float32 even under bf16/fp16
autocast: a log-sigmoid of a half-precision logit loses the small gradients GANs live on.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

Target = float | torch.Tensor


def bce_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                           real_target: Target = 1.0, fake_target: Target = 0.0) -> torch.Tensor:
    """-[log D(x) + log(1 - D(G(z)))], each averaged over its batch (Goodfellow et al. 2014).

    Targets other than 1/0 are label smoothing or flipping (Salimans et al. 2016).
    """
    real_logits, fake_logits = real_logits.float(), fake_logits.float()
    real = F.binary_cross_entropy_with_logits(real_logits, torch.as_tensor(real_target).to(real_logits).expand_as(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.as_tensor(fake_target).to(fake_logits).expand_as(fake_logits))
    return real + fake


def non_saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)): strong gradients early on, when D easily rejects the fakes (Goodfellow et al. 2014)."""
    return F.binary_cross_entropy_with_logits(fake_logits.float(), torch.ones_like(fake_logits, dtype=torch.float))


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """E[C(G(z))] - E[C(x)]: minus the critic's estimate of the Wasserstein-1 distance (Arjovsky et al. 2017)."""
    return fake_scores.float().mean() - real_scores.float().mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """-E[C(G(z))] (Arjovsky et al. 2017)."""
    return -fake_scores.float().mean()


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))] (Lim & Ye 2017; Miyato et al. 2018, SNGAN)."""
    return F.relu(1.0 - real_logits.float()).mean() + F.relu(1.0 + fake_logits.float()).mean()


def hinge_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[D(G(z))], the generator side of the hinge loss (Miyato et al. 2018)."""
    return -fake_logits.float().mean()


def least_squares_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor,
                                     real_target: Target = 1.0, fake_target: Target = 0.0) -> torch.Tensor:
    """1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2] with b = 1, a = 0 (Mao et al. 2017, LSGAN Eq. 9).

    Targets other than 1/0 are label smoothing or flipping, as for the BCE loss.
    """
    real_scores, fake_scores = real_scores.float(), fake_scores.float()
    real = real_scores - torch.as_tensor(real_target).to(real_scores).expand_as(real_scores)
    fake = fake_scores - torch.as_tensor(fake_target).to(fake_scores).expand_as(fake_scores)
    return 0.5 * real.pow(2).mean() + 0.5 * fake.pow(2).mean()


def least_squares_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """1/2 E[(D(G(z)) - c)^2] with c = 1: G wants its fakes scored as real (Mao et al. 2017, Eq. 9)."""
    return 0.5 * (fake_scores.float() - 1.0).pow(2).mean()


def input_gradient_norms(outputs: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """||d sum(outputs) / d input_i||_2 per sample, kept in the graph so a penalty on it trains D."""
    (grad,) = torch.autograd.grad(outputs.float().sum(), inputs, create_graph=True)
    return grad.float().flatten(1).norm(2, dim=1)


def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None,
                     mix: torch.Tensor) -> torch.Tensor:
    """E[(||grad C(x_hat)||_2 - 1)^2] at x_hat = mix * x + (1 - mix) * G(z) (Gulrajani et al. 2017).

    ``mix`` holds one U[0, 1] draw per sample, shape (N,); the caller owns the randomness.
    """
    mix = mix.to(real).view(-1, *[1] * (real.dim() - 1))
    between = (mix * real.detach() + (1 - mix) * fake.detach()).requires_grad_(True)
    return (input_gradient_norms(D(between, labels), between) - 1.0).pow(2).mean()


def r1_penalty(D, real: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """E[||grad D(x)||^2] at real images; the loss adds gamma / 2 times it (Mescheder et al. 2018)."""
    real = real.detach().requires_grad_(True)
    return input_gradient_norms(D(real, labels), real).pow(2).mean()


def auxiliary_classifier_loss(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-log P(C = c | x), the class head's NLL that AC-GAN adds to both players (Odena et al. 2017)."""
    return F.cross_entropy(class_logits.float(), labels)


def style_ambiguity_loss(style_logits: torch.Tensor, form: str = "uniform") -> torch.Tensor:
    """How sure D's style head is about G(z): the CAN generator minimises it (Elgammal et al. 2017).

    ``uniform``: cross-entropy of the style posterior against the uniform distribution over the K
    styles, -sum_k 1/K log p_k; smallest (log K) when every style is equally likely.
    ``binary``: the per-class binary form, -sum_k [1/K log p_k + (1 - 1/K) log(1 - p_k)], which the
    paper's Eq. 3 writes out and the third report trained with.
    """
    log_p = F.log_softmax(style_logits.float(), dim=1)
    k = style_logits.shape[1]
    if form == "uniform":
        return -(log_p / k).sum(1).mean()
    if form == "binary":
        log_not_p = torch.log1p(-log_p.exp().clamp(max=1 - 1e-6))
        return -(log_p / k + (1 - 1 / k) * log_not_p).sum(1).mean()
    raise ValueError(f"unknown style-ambiguity form {form!r}")


def noisy_targets(n: int, smoothing: float, smooth_fake: bool, flip: float,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """D's BCE targets for n real and n fake images, with the label tricks of the reports.

    One-sided smoothing (Salimans et al. 2016) draws real targets from U[1 - s, 1]; the second
    report also drew fake targets from U[0, s]. Flipping swaps a sample's target with probability
    ``flip`` (Chintala et al., "ganhacks"). Drawn on the CPU from the caller's generator.
    """
    real, fake = torch.ones(n), torch.zeros(n)
    if smoothing > 0:
        real = real - smoothing * torch.rand(n, generator=generator)
        if smooth_fake:
            fake = fake + smoothing * torch.rand(n, generator=generator)
    if flip > 0:
        flip_real, flip_fake = torch.rand(2, n, generator=generator) < flip
        real, fake = torch.where(flip_real, 1 - real, real), torch.where(flip_fake, 1 - fake, fake)
    return real, fake

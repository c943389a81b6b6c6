"""DCGAN: Radford, Metz & Chintala 2016, with Goodfellow et al.'s non-saturating generator loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from artgan.variants.base import LossOutput, Variant, mean_sigmoid
from artgan.variants.registry import register_variant


def bce_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-[log D(x) + log(1 - D(G(z)))], averaged over each batch and summed (Goodfellow et al. 2014)."""
    real = F.binary_cross_entropy_with_logits(real_logits.float(), torch.ones_like(real_logits, dtype=torch.float))
    fake = F.binary_cross_entropy_with_logits(fake_logits.float(), torch.zeros_like(fake_logits, dtype=torch.float))
    return real + fake


def non_saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)): strong gradients early on, when D easily rejects the fakes (Goodfellow et al. 2014)."""
    return F.binary_cross_entropy_with_logits(fake_logits.float(), torch.ones_like(fake_logits, dtype=torch.float))


@register_variant
class DCGAN(Variant):
    name = "dcgan"
    paper = "Radford et al. 2016, Unsupervised Representation Learning with Deep Convolutional GANs"

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_logits, fake_logits = D(real), D(fake)
        loss = bce_discriminator_loss(real_logits, fake_logits)
        return loss, {"loss_d": loss.detach(), "d_real": mean_sigmoid(real_logits), "d_fake": mean_sigmoid(fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        fake_logits = D(fake)
        loss = non_saturating_generator_loss(fake_logits)
        return loss, {"loss_g": loss.detach(), "d_fake_g": mean_sigmoid(fake_logits)}

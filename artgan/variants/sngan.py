"""SNGAN: Miyato et al. 2018. Hinge loss and a spectrally normalised D without batch norm.

The stable modern baseline to compare the reports' variants against: no clipping, no penalty,
one D step per G step, Adam (0, 0.9) at 2e-4 as in the paper's standard CNN setting.
"""

from __future__ import annotations

from artgan.models.spectral import apply_spectral_norm
from artgan.variants.base import LossOutput, Variant, critic_stats
from artgan.variants.losses import hinge_discriminator_loss, hinge_generator_loss
from artgan.variants.registry import register_variant


@register_variant
class SNGAN(Variant):
    name = "sngan"
    paper = "Miyato et al. 2018, Spectral Normalization for GANs (hinge loss)"
    real_fake_targets = False
    defaults = {"model": {"d_norm": "none"}, "train": {"beta1": 0.0, "beta2": 0.9}}

    def build_discriminator(self):
        return apply_spectral_norm(super().build_discriminator())

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_logits, fake_logits = D(real, real_labels), D(fake, fake_labels)
        loss = hinge_discriminator_loss(real_logits, fake_logits)
        return loss, {"loss_d": loss.detach(), **critic_stats(real_logits, fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        loss = hinge_generator_loss(D(fake, fake_labels))
        return loss, {"loss_g": loss.detach()}

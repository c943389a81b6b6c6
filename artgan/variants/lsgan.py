"""LSGAN: Mao et al. 2017. D regresses its raw score to 1 on real images and 0 on fakes.

A least-squares loss instead of BCE: fakes far on the correct side of the boundary are still
pulled towards the real data, so G's gradients do not vanish as D grows confident. DCGAN's
networks and Adam at 2e-4 / 0.5, as in the paper's experiments.
"""

from __future__ import annotations

from artgan.variants.base import LossOutput, Variant, critic_stats
from artgan.variants.losses import least_squares_discriminator_loss, least_squares_generator_loss
from artgan.variants.registry import register_variant


@register_variant
class LSGAN(Variant):
    name = "lsgan"
    paper = "Mao et al. 2017, Least Squares Generative Adversarial Networks"

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_scores, fake_scores = D(real, real_labels), D(fake, fake_labels)
        targets = self.targets(len(real_scores), real.device)  # 1 / 0, or what --label-smoothing draws
        loss = least_squares_discriminator_loss(real_scores, fake_scores, *targets)
        return loss, {"loss_d": loss.detach(), **critic_stats(real_scores, fake_scores)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        loss = least_squares_generator_loss(D(fake, fake_labels))
        return loss, {"loss_g": loss.detach()}

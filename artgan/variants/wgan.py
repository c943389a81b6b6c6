"""WGAN: Arjovsky, Chintala & Bottou 2017, the variant the first report trained on digits and faces.

The critic outputs an unbounded score (no sigmoid); its weights are clipped after every update to
keep it roughly Lipschitz, and it is trained ``n_critic`` times per generator step with RMSprop,
as in the paper's Algorithm 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from artgan.config import ModelConfig
from artgan.options import option, positive
from artgan.variants.base import LossOutput, Variant, critic_stats
from artgan.variants.losses import wasserstein_critic_loss, wasserstein_generator_loss
from artgan.variants.registry import register_variant


@dataclass
class WGANConfig(ModelConfig):
    weight_clip: float = option(0.01, "critic weights are clipped to [-c, c] after every critic step", limit=positive())


@register_variant
class WGAN(Variant):
    name = "wgan"
    paper = "Arjovsky et al. 2017, Wasserstein GAN (weight clipping)"
    real_fake_targets = False
    defaults = {"train": {"optimizer": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5, "n_critic": 5}}
    model_config = WGANConfig

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_scores, fake_scores = D(real, real_labels), D(fake, fake_labels)
        loss = wasserstein_critic_loss(real_scores, fake_scores)
        return loss, {"loss_d": loss.detach(), **critic_stats(real_scores, fake_scores)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        loss = wasserstein_generator_loss(D(fake, fake_labels))
        return loss, {"loss_g": loss.detach()}

    @torch.no_grad()
    def after_discriminator_step(self, D) -> None:
        c = self.config.model.weight_clip
        for p in D.parameters():
            p.clamp_(-c, c)

"""WGAN-GP: Gulrajani et al. 2017. The Lipschitz constraint becomes a gradient penalty.

The penalty is taken per interpolated sample, so the critic must not mix samples through batch
norm: layer norm by default (``--d-norm``), as the paper recommends. Adam with betas (0, 0.9).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from artgan.config import ModelConfig
from artgan.options import at_least, option
from artgan.ranks import per_sample
from artgan.variants.base import LossOutput, critic_stats
from artgan.variants.losses import gradient_penalty, wasserstein_critic_loss
from artgan.variants.registry import register_variant
from artgan.variants.wgan import WGAN


@dataclass
class WGANGPConfig(ModelConfig):  # no weight_clip: the penalty replaces clipping
    gp_weight: float = option(10.0, "gradient penalty weight lambda (Gulrajani et al.)", limit=at_least(0))


@register_variant
class WGANGP(WGAN):
    name = "wgan-gp"
    paper = "Gulrajani et al. 2017, Improved Training of Wasserstein GANs (gradient penalty)"
    penalises_input_gradients = True
    model_config = WGANGPConfig
    defaults = {"model": {"d_norm": "layer"},
                "train": {"optimizer": "adam", "lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5}}

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_scores, fake_scores = D(real, real_labels), D(fake, fake_labels)
        mix = per_sample(lambda n: torch.rand(n, generator=self.rng), len(real))
        penalty = gradient_penalty(D, real, fake, real_labels, mix)
        loss = wasserstein_critic_loss(real_scores, fake_scores) + self.config.model.gp_weight * penalty
        return loss, {"loss_d": loss.detach(), "gradient_penalty": penalty.detach(), **critic_stats(real_scores, fake_scores)}

    def after_discriminator_step(self, D) -> None:
        pass  # no clipping: the penalty replaces it

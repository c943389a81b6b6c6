"""DCGAN: Radford, Metz & Chintala 2016, with Goodfellow et al.'s non-saturating generator loss."""

from __future__ import annotations

from artgan.variants.base import LossOutput, Variant, logit_stats, mean_sigmoid
from artgan.variants.losses import bce_discriminator_loss, non_saturating_generator_loss
from artgan.variants.registry import register_variant

__all__ = ["DCGAN", "bce_discriminator_loss", "non_saturating_generator_loss"]


@register_variant
class DCGAN(Variant):
    name = "dcgan"
    paper = "Radford et al. 2016, Unsupervised Representation Learning with Deep Convolutional GANs"
    # One-sided label smoothing (Salimans et al. 2016): with DiffAugment, what keeps D from winning
    # within a few hundred steps on builtin:art. --label-smoothing 0 for the paper's hard targets.
    # mlp, which reuses DCGAN's losses, takes this but not the recipe below: it was measured on
    # dcgan and cdcgan only.
    smoothed = {"train": {"label_smoothing": 0.2}}
    # D learning twice as fast as G (two time-scale update rule, Heusel et al. 2017) and a short EMA
    # of G (about 200 steps): on real clip art, the mean KID of three runs at 15 CPU-minutes fell from
    # 0.27 to 0.08, where either alone did not halve it (docs/quality.md). The paper's plain rates:
    # --lr-d 2e-4 --no-ema.
    defaults = {"train": {**smoothed["train"], "lr_d": 4e-4, "ema": True, "ema_decay": 0.995}}

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_logits, fake_logits = D(real, real_labels), D(fake, fake_labels)
        loss = bce_discriminator_loss(real_logits, fake_logits, *self.targets(len(real_logits), real.device))
        return loss, {"loss_d": loss.detach(), **logit_stats(real_logits, fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        fake_logits = D(fake, fake_labels)
        loss = non_saturating_generator_loss(fake_logits)
        return loss, {"loss_g": loss.detach(), "d_fake_g": mean_sigmoid(fake_logits)}

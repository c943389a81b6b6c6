"""CAN: Elgammal, Liu, Elhoseiny & Mazzone 2017, Creative Adversarial Networks.

G is unconditional. D has a real/fake head and a style head trained on the real images' style
labels. G must fool the real/fake head (look like art) while leaving the style head unsure which
style it made (the style-ambiguity loss): art that is art, but of no known style. The third
report trained it on seven WikiArt styles with two G steps per D step (``--g-steps 2``).
"""

from __future__ import annotations

from dataclasses import dataclass

from artgan.models.conditional import TwoHeadDiscriminator
from artgan.options import option
from artgan.variants.acgan import ClassHeadConfig
from artgan.variants.base import LossOutput, Variant, logit_stats, mean_sigmoid
from artgan.variants.losses import (auxiliary_classifier_loss, bce_discriminator_loss, non_saturating_generator_loss,
                                    style_ambiguity_loss)
from artgan.variants.registry import register_variant


@dataclass
class CANConfig(ClassHeadConfig):  # class_weight weighs the style losses
    ambiguity: str = option("uniform", "style-ambiguity loss: cross-entropy to the uniform distribution (paper), "
                                       "or the per-class binary form (third report)", choices=("uniform", "binary"))


@register_variant
class CAN(Variant):
    name = "can"
    paper = "Elgammal et al. 2017, CAN: Creative Adversarial Networks (style ambiguity)"
    uses_labels = True
    defaults = {"train": {"g_steps": 2}}
    model_config = CANConfig

    def build_discriminator(self):
        m = self.config.model
        return TwoHeadDiscriminator(self.channels, self.num_classes, self.size, m.d_width, m.extra_layers, norm=m.d_norm)

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        real_logits, real_styles = D(real, with_classes=True)
        fake_logits = D(fake)
        adversarial = bce_discriminator_loss(real_logits, fake_logits, *self.targets(len(real_logits), real.device))
        style = auxiliary_classifier_loss(real_styles, real_labels)  # styles of real art only (paper, Eq. 3)
        loss = adversarial + self.config.model.class_weight * style
        accuracy = (real_styles.argmax(1) == real_labels).float().mean()
        return loss, {"loss_d": loss.detach(), "loss_d_style": style.detach(), "d_style_accuracy": accuracy,
                      **logit_stats(real_logits, fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        fake_logits, fake_styles = D(fake, with_classes=True)
        ambiguity = style_ambiguity_loss(fake_styles, self.config.model.ambiguity)
        loss = non_saturating_generator_loss(fake_logits) + self.config.model.class_weight * ambiguity
        return loss, {"loss_g": loss.detach(), "style_ambiguity": ambiguity.detach(), "d_fake_g": mean_sigmoid(fake_logits)}

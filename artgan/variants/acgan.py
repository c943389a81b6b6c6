"""AC-GAN: Odena, Olah & Shlens 2017, Conditional Image Synthesis with Auxiliary Classifier GANs.

G takes the one-hot label concatenated to z; D does not see the label, but besides real/fake it
predicts the class of an image. Both players add the class NLL to their adversarial loss (D to recognise
classes, G to make its images recognisable), summed as in the second report. The paper's D also
learns the labels G was asked for (``--d-class-fakes``); artgan's learns real images' only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from artgan.config import ModelConfig
from artgan.models.conditional import OneHotGenerator, TwoHeadDiscriminator
from artgan.options import at_least, option
from artgan.variants.base import LossOutput, Variant, logit_stats, mean_sigmoid
from artgan.variants.losses import auxiliary_classifier_loss, bce_discriminator_loss, non_saturating_generator_loss
from artgan.variants.registry import register_variant


@dataclass
class ClassHeadConfig(ModelConfig):
    """What every variant with D's class head (AC-GAN's classes, CAN's styles) reads."""
    class_weight: float = option(1.0, "weight of the class (or style) losses added to the adversarial ones",
                                 limit=at_least(0))


@dataclass
class ACGANConfig(ClassHeadConfig):
    # why: trained on G's images too, D's class head can learn whatever code G uses to mark a class,
    # and G can satisfy it without drawing the class as real images show it (Gong et al. 2019, "Twin
    # Auxiliary Classifiers GAN", on AC-GAN's bias towards easily classified, unfaithful samples).
    d_class_fakes: bool = option(False, "D's class head also learns the labels of G's images, as in the paper "
                                        "(off: it learns real images' labels only, so G's class loss asks for what "
                                        "real images of the class look like)")
    # why: G's class loss alone rewards the images D's class head is surest of, so each class shrinks
    # towards its easiest stereotype; a second head that learns which class G was asked for, subtracted
    # from G's loss, cancels that pull and leaves G matching each class's real images (Gong et al. 2019).
    twin: bool = option(False, "TAC-GAN: a twin class head on D learns the labels of G's images, and G's class "
                               "loss subtracts it, so G keeps each class as varied as its real images")


@register_variant
class ACGAN(Variant):
    name = "acgan"
    paper = "Odena et al. 2017, Conditional Image Synthesis with Auxiliary Classifier GANs"
    conditional = True
    model_config = ACGANConfig
    # why: the class loss pulls G towards the most recognisable image of each class (Shu et al. 2017;
    # Gong et al. 2019); a light mode-seeking term (Mao et al. 2019) keeps different noise drawing
    # different digits: within-class recall 0.515 against 0.368 at 1 CPU-minute, class accuracy
    # 98.9 % against 98.4 % (docs/quality.md). Weights of 0.1 and more trade the label away.
    # Class weight 3 with a class head of real images only: on 5-category clip art, the paper's form
    # drew its class in 35-45 % of samples (real images: 63 %), this one in 56-66 % (docs/quality.md).
    defaults = {"model": {"class_weight": 3.0}, "train": {"mode_seeking": 0.03}}

    def build_generator(self):
        m = self.config.model
        return OneHotGenerator(m.latent_dim, self.num_classes, self.channels, self.size, m.g_width, m.extra_layers)

    def build_discriminator(self):
        m = self.config.model
        return TwoHeadDiscriminator(self.channels, self.num_classes, self.size, m.d_width, m.extra_layers,
                                    norm=m.d_norm, twin=m.twin)

    def judged(self, D, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """D's real/fake logits, class logits and twin-head logits (None without --twin), in one pass."""
        if self.config.model.twin:
            return D(images, with_twin=True)
        return (*D(images, with_classes=True), None)

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        m = self.config.model
        real_logits, real_classes = D(real, with_classes=True)
        fake_logits, fake_classes, fake_twin = self.judged(D, fake)
        adversarial = bce_discriminator_loss(real_logits, fake_logits, *self.targets(len(real_logits), real.device))
        classification = auxiliary_classifier_loss(real_classes, real_labels)
        if m.d_class_fakes:
            classification = classification + auxiliary_classifier_loss(fake_classes, fake_labels)
        stats = {}
        if m.twin:
            twin = auxiliary_classifier_loss(fake_twin, fake_labels)
            classification = classification + twin
            stats["loss_d_twin"] = twin.detach()
        loss = adversarial + m.class_weight * classification
        accuracy = (real_classes.argmax(1) == real_labels).float().mean()
        return loss, {"loss_d": loss.detach(), "loss_d_class": classification.detach(), "d_class_accuracy": accuracy,
                      **stats, **logit_stats(real_logits, fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        m = self.config.model
        fake_logits, fake_classes, fake_twin = self.judged(D, fake)
        classification = auxiliary_classifier_loss(fake_classes, fake_labels)
        if m.twin:  # minus what the twin head, which knows G's own images, can tell of their class
            classification = classification - auxiliary_classifier_loss(fake_twin, fake_labels)
        loss = non_saturating_generator_loss(fake_logits) + m.class_weight * classification
        return loss, {"loss_g": loss.detach(), "loss_g_class": classification.detach(), "d_fake_g": mean_sigmoid(fake_logits)}

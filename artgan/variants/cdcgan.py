"""Conditional DCGAN (Mirza & Osindero 2014 on Radford et al.'s networks).

Both players see the label: G draws an image of the requested class, D judges whether an
(image, label) pair is real. The losses are DCGAN's. D takes the label through Miyato & Koyama's
projection (an inner product of a class embedding with D's pooled features); ``--no-projection``
gives the second report's D, which takes it as one-hot planes through a first conv of its own.

D by projection, with dcgan's recipe (D at twice G's rate, EMA 0.995). why: on real clip art the
report's label-map D never drew a subject: a dotted lattice of colour blobs whose KID rose from 1.9
at 10 CPU-minutes to 30 at 35 (the average image scores 3.6, noise 5.1); label planes joined to the
image's channels did no better. The projection D drew recognisable clip art in every run (KID
0.07-0.58 at 20 CPU-minutes over three seeds, 0.54 at 35, recall 0.74-0.92). Its cost is on
digits, whose variety it reaches later: within-class recall 0.44-0.56 at 5 CPU-minutes against
0.69, 0.52-0.57 at 10 (docs/quality.md).

A class head beside the projection, AC-GAN's on real images only, whose loss both players add at
weight 1 (``--class-head``). why: the projection D alone drew clip art of any category for every
label (class accuracy 29-32 % at 20-35 CPU-minutes; real images 61 %). With the head at weight 1
it drew its category 52-56 % of the time at 20 minutes (three seeds), KID and recall unchanged, and
digits kept within-class recall 0.45-0.53 at 10 (three seeds; the projection alone: 0.52-0.57).
Weight 3 drew it 51-67 % of the time but cost digits a fifth of their variety (docs/quality.md).

G takes the one-hot label joined to z before its first layer (``--g-label concat``). why: the
report's G (``--g-label maps``), which gives z and the label first layers of their own, drew one
image per class on digits: z's features are the same for every class until the label's are added
to them, so the cheapest way to make a class recognisable is to let the label's features drown
z's. Within-class recall 0.000 against 0.703 for concat at 1 CPU-minute, class accuracy 100 % and
98.5 % (docs/quality.md). ``--g-label norm`` also gives every batch norm of G a scale and shift per
class (Miyato & Koyama's G): on clip art it drew the category sooner (59 % of samples at 10
CPU-minutes against 47.5 %, three seeds each) but not more often at 20 (56 % against 54 %); with
``--class-head 2`` 59.5 % at 20, but digits' within-class recall fell to 0.47 at 10 (the default's:
0.45-0.53 over three seeds), so it is not the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from artgan.config import ModelConfig
from artgan.errors import ArtganError
from artgan.models.conditional import (ClassNormGenerator, LabelMapDiscriminator, LabelMapGenerator, OneHotGenerator,
                                       ProjectionDiscriminator)
from artgan.options import at_least, option
from artgan.variants.base import LossOutput, logit_stats, mean_sigmoid
from artgan.variants.dcgan import DCGAN
from artgan.variants.losses import auxiliary_classifier_loss, bce_discriminator_loss, non_saturating_generator_loss
from artgan.variants.registry import register_variant


@dataclass
class CDCGANConfig(ModelConfig):
    # False here, as for g_label below: a config.yaml without the key (saved before the option existed)
    # rebuilds the label-map D it trained; new runs get CDCGAN.defaults' projection.
    projection: bool = option(False, "projection discriminator (Miyato & Koyama); --no-projection: the second "
                                     "report's label maps (docs/quality.md)")
    # "maps" here so that runs saved before the option existed rebuild the G they trained; new runs
    # get CDCGAN.defaults' "concat".
    g_label: str = option("maps", "how G takes the class: concat = one-hot joined to z before the first layer, "
                                  "maps = a first layer of its own beside z's, as the second report built it (draws "
                                  "one image per class: docs/quality.md), norm = concat, and every batch norm "
                                  "scaled and shifted per class (Miyato & Koyama's G)",
                          choices=("concat", "maps", "norm"))
    # 0.0 here, as for projection above: a config.yaml saved before the option existed rebuilds its D.
    class_head: float = option(0.0, "weight of a class head on the projection D (Kang et al. 2021's PD + AC): D "
                                    "learns real images' classes, G's loss asks its images to show theirs; 0: none",
                               limit=at_least(0))


@register_variant
class CDCGAN(DCGAN):
    name = "cdcgan"
    paper = "Mirza & Osindero 2014, Conditional GANs, with Miyato & Koyama 2018's projection D and a class head"
    conditional = True
    model_config = CDCGANConfig
    defaults = {**DCGAN.defaults, "model": {"g_label": "concat", "projection": True, "class_head": 1.0}}

    def build_generator(self):
        m = self.config.model
        network = {"concat": OneHotGenerator, "maps": LabelMapGenerator, "norm": ClassNormGenerator}[m.g_label]
        return network(m.latent_dim, self.num_classes, self.channels, self.size, m.g_width, m.extra_layers)

    def build_discriminator(self):
        m = self.config.model
        if not m.projection:
            if m.class_head:
                raise ArtganError("the label-map discriminator (--no-projection) has no class head: add "
                                  "--class-head 0, or drop --no-projection")
            return LabelMapDiscriminator(self.channels, self.num_classes, self.size, m.d_width, m.extra_layers,
                                         norm=m.d_norm)
        return ProjectionDiscriminator(self.channels, self.num_classes, self.size, m.d_width, m.extra_layers,
                                       norm=m.d_norm, class_head=m.class_head > 0)

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        weight = self.config.model.class_head
        if not weight:
            return super().discriminator_loss(D, real, real_labels, fake, fake_labels)
        real_logits, real_classes = D(real, real_labels, with_classes=True)
        fake_logits = D(fake, fake_labels)
        adversarial = bce_discriminator_loss(real_logits, fake_logits, *self.targets(len(real_logits), real.device))
        classification = auxiliary_classifier_loss(real_classes, real_labels)
        loss = adversarial + weight * classification
        accuracy = (real_classes.argmax(1) == real_labels).float().mean()
        return loss, {"loss_d": loss.detach(), "loss_d_class": classification.detach(), "d_class_accuracy": accuracy,
                      **logit_stats(real_logits, fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        weight = self.config.model.class_head
        if not weight:
            return super().generator_loss(D, fake, fake_labels)
        fake_logits, fake_classes = D(fake, fake_labels, with_classes=True)
        classification = auxiliary_classifier_loss(fake_classes, fake_labels)
        loss = non_saturating_generator_loss(fake_logits) + weight * classification
        return loss, {"loss_g": loss.detach(), "loss_g_class": classification.detach(), "d_fake_g": mean_sigmoid(fake_logits)}

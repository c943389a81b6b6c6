"""Conditional DCGAN as the second report built it (Mirza & Osindero 2014 on Radford et al.'s networks).

Both players see the label: G draws an image of the requested class, D judges whether an
(image, label) pair is real. The losses are DCGAN's. ``--projection`` swaps the label-map
discriminator for Miyato & Koyama's projection discriminator, the better-known alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from artgan.config import ModelConfig
from artgan.models.conditional import LabelMapDiscriminator, LabelMapGenerator, ProjectionDiscriminator
from artgan.variants.dcgan import DCGAN
from artgan.options import option
from artgan.variants.registry import register_variant


@dataclass
class CDCGANConfig(ModelConfig):
    projection: bool = option(False, "projection discriminator (Miyato & Koyama) instead of label maps")


@register_variant
class CDCGAN(DCGAN):
    name = "cdcgan"
    paper = "Mirza & Osindero 2014, Conditional GANs (+ Miyato & Koyama 2018 projection D with --projection)"
    conditional = True
    model_config = CDCGANConfig

    def build_generator(self):
        m = self.config.model
        return LabelMapGenerator(m.latent_dim, self.num_classes, self.channels, self.size, m.g_width, m.extra_layers)

    def build_discriminator(self):
        m = self.config.model
        network = ProjectionDiscriminator if m.projection else LabelMapDiscriminator
        return network(self.channels, self.num_classes, self.size, m.d_width, m.extra_layers, norm=m.d_norm)

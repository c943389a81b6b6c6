"""The fully-connected GAN of the first report: Goodfellow et al. 2014's losses on MLP networks."""

from __future__ import annotations

from artgan.models import MLPDiscriminator, MLPGenerator
from artgan.variants.dcgan import DCGAN
from artgan.variants.registry import register_variant


@register_variant
class MLPGAN(DCGAN):
    name = "mlp"
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (fully-connected networks)"

    def build_generator(self):
        m = self.config.model
        return MLPGenerator(m.latent_dim, self.channels, self.size, m.mlp_hidden, m.mlp_layers)

    def build_discriminator(self):
        m = self.config.model
        return MLPDiscriminator(self.channels, self.size, m.mlp_hidden, m.mlp_layers, m.d_dropout)

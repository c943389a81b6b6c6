"""The fully-connected GAN of the first report: Goodfellow et al. 2014's losses on MLP networks."""

from __future__ import annotations

from dataclasses import dataclass

from artgan.config import ModelConfig
from artgan.models import MLPDiscriminator, MLPGenerator
from artgan.options import between, option, within
from artgan.variants.dcgan import DCGAN
from artgan.variants.registry import register_variant


@dataclass
class MLPConfig(ModelConfig):
    mlp_hidden: int = option(512, "hidden units of the fully-connected GAN",
                             limit=between(1, 8192, "each hidden layer holds mlp_hidden squared weights"))
    mlp_layers: int = option(3, "hidden layers of the fully-connected GAN",
                             limit=between(1, 32, "deeper fully-connected GANs do not train"))
    d_dropout: float = option(0.0, "dropout in the fully-connected discriminator (first report)", limit=within(0, 1))


@register_variant
class MLPGAN(DCGAN):
    name = "mlp"
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (fully-connected networks)"
    model_config = MLPConfig
    defaults = DCGAN.smoothed

    def build_generator(self):
        m = self.config.model
        return MLPGenerator(m.latent_dim, self.channels, self.size, m.mlp_hidden, m.mlp_layers)

    def build_discriminator(self):
        m = self.config.model
        return MLPDiscriminator(self.channels, self.size, m.mlp_hidden, m.mlp_layers, m.d_dropout)

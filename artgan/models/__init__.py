"""Networks. Nothing here knows about losses, training or the CLI."""

from artgan.models.dcgan import DCGANDiscriminator, DCGANGenerator, init_dcgan_weights
from artgan.models.mlp import MLPDiscriminator, MLPGenerator

__all__ = ["DCGANGenerator", "DCGANDiscriminator", "MLPGenerator", "MLPDiscriminator", "init_dcgan_weights"]

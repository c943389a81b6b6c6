"""GAN variants, one file each, registered by name. Importing this package registers them all."""

from artgan.variants import acgan, can, cdcgan, dcgan, fastgan, mlp, sngan, wgan, wgan_gp  # noqa: F401  (registration side effects)
from artgan.variants.base import LossOutput, Variant
from artgan.variants.registry import VARIANTS, get_variant, register_variant

__all__ = ["Variant", "LossOutput", "VARIANTS", "get_variant", "register_variant"]

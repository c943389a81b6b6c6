"""GAN variants, one file each, registered by name. Importing this package registers them all:
every module in this folder is imported, so a new variant is one new file (see ``base.py``)."""

import importlib
import pkgutil

from artgan.variants.base import LossOutput, Variant
from artgan.variants.registry import VARIANTS, get_variant, register_variant, variant_options

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")  # @register_variant runs on import

__all__ = ["Variant", "LossOutput", "VARIANTS", "get_variant", "register_variant", "variant_options"]

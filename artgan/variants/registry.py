"""Variants by name: ``@register_variant`` on the class is all a new GAN needs."""

from __future__ import annotations

import dataclasses

from artgan.config import ModelConfig
from artgan.errors import ArtganError
from artgan.variants.base import Variant

VARIANTS: dict[str, type[Variant]] = {}


def register_variant(cls: type[Variant]) -> type[Variant]:
    assert cls.name and cls.name not in VARIANTS, f"variant name {cls.name!r} missing or taken"
    VARIANTS[cls.name] = cls
    return cls


def get_variant(name: str) -> type[Variant]:
    if not isinstance(name, str) or name not in VARIANTS:
        raise ArtganError(f"unknown model {name!r}; choose one of: {', '.join(sorted(VARIANTS))}")
    return VARIANTS[name]


def variant_options() -> dict[str, list[type[Variant]]]:
    """Each model option a variant declares in its own file (the fields its ``model_config`` adds
    to ``ModelConfig``), with the variants that read it, in name order: the flags, the config keys
    and the Python API's keywords beside the shared ones."""
    shared = {f.name for f in dataclasses.fields(ModelConfig)}
    options: dict[str, list[type[Variant]]] = {}
    for _, cls in sorted(VARIANTS.items()):
        for option_field in dataclasses.fields(cls.model_config):
            if option_field.name not in shared:
                options.setdefault(option_field.name, []).append(cls)
    return options

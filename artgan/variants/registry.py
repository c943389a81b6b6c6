"""Variants by name: ``@register_variant`` on the class is all a new GAN needs."""

from __future__ import annotations

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

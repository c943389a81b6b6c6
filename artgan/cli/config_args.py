"""Command-line flags generated from the config dataclasses, so a flag and a config-file key are
the same thing with the same help, and a new config field is a new flag with no extra code. The
options a variant declares in its own file (``Variant.model_config``) join the model options, and
each help names the variants that default an option otherwise, both read from the registry."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any, get_args, get_origin, get_type_hints

from artgan.cli.arguments import help_with_default
from artgan.config import SECTIONS
from artgan.options import default_of, flag_name


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per config field; defaults stay None so that only what the user typed overrides."""
    from artgan.variants import variant_options

    for section, cls in SECTIONS.items():
        group = parser.add_argument_group(f"{section} options (config file section [{section}])")
        hints = get_type_hints(cls)
        for field in dataclasses.fields(cls):
            add_option(group, section, field, hints[field.name], field.metadata["help"])
        if section == "model":
            for name, readers in variant_options().items():
                declared = readers[0].model_config
                field = declared.__dataclass_fields__[name]
                add_option(group, section, field, get_type_hints(declared)[name],
                           f"{', '.join(v.name for v in readers)}: {field.metadata['help']}")


def add_option(group, section: str, field: dataclasses.Field, hint, help_text: str) -> None:
    kind = _base_type(hint)
    default = "; ".join([repr(default_of(field)), *variant_defaults(section, field.name, default_of(field))])
    help_text = help_with_default(help_text, default).replace("%", "%%")
    name, dest = flag_name(field), f"{section}.{field.name}"
    if kind is bool:
        group.add_argument(name, dest=dest, action=argparse.BooleanOptionalAction, default=None, help=help_text)
    elif kind is list:
        group.add_argument(name, dest=dest, default=None, metavar="A,B,...", help=help_text)
    else:
        group.add_argument(name, dest=dest, type=kind, default=None, choices=field.metadata.get("choices"),
                           metavar=_metavar(kind, field), help=help_text)


def variant_defaults(section: str, key: str, default: Any) -> list[str]:
    """``["cdcgan, dcgan, mlp: 0.2"]``: the variants whose ``defaults`` change this option, by value."""
    from artgan.variants import VARIANTS

    readers: dict[str, list[str]] = {}
    for name, cls in sorted(VARIANTS.items()):
        if cls.defaults.get(section, {}).get(key, default) != default:
            readers.setdefault(repr(cls.defaults[section][key]), []).append(name)
    return [f"{', '.join(names)}: {value}" for value, names in readers.items()]


def overrides_from_args(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    overrides: dict[str, dict[str, Any]] = {}
    for dest, value in vars(args).items():
        if "." in dest and value is not None:
            section, name = dest.split(".", 1)
            overrides.setdefault(section, {})[name] = value
    return overrides


def _base_type(hint):
    if get_origin(hint) is list:
        return list
    args = [a for a in get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def _metavar(kind, field) -> str | None:
    if field.metadata.get("choices"):
        return None
    return field.metadata.get("metavar") or {int: "N", float: "X", str: "TEXT"}.get(kind)

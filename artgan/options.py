"""How a config option is declared: default, help, flag, choices and limit in one ``option(...)``.

An option is a dataclass field whose metadata the command line (flag and ``--help``), config
files and the checks all read, so what an option is and what it may be are written side by side,
once. ``check_section`` is the one check of every value: its choices, then its limit, so that
``--batch 0``, ``--lr-d -1`` or ``steps: -5`` in a config file stop with one line naming the
option, the value and what is valid, instead of a stack trace an hour into a run. Types are
checked earlier, where the config is built (``artgan.config``).
"""

from __future__ import annotations

import dataclasses
import math
import reprlib
from dataclasses import dataclass, field
from typing import Any, Callable

from artgan.errors import ArtganError


@dataclass(frozen=True)
class Limit:
    """What a value may be: the test, and the same in the words an error message shows."""

    valid: Callable[[Any], bool]
    words: str


def at_least(low: float) -> Limit:
    return Limit(lambda v: v >= low, f"a number >= {low:g}")


def positive() -> Limit:
    return Limit(lambda v: math.isfinite(v) and v > 0, "a finite number > 0")


def between(low: int, high: int, why: str) -> Limit:
    """A size: its upper bound keeps a typo (an extra 0, 1e10) from ending in the allocator's error."""
    return Limit(lambda v: low <= v <= high, f"from {low:,} to {high:,} ({why})")


def within(low: float, high: float, closed_high: bool = False) -> Limit:
    bracket = "]" if closed_high else ")"
    return Limit(lambda v: low <= v <= high if closed_high else low <= v < high, f"in [{low:g}, {high:g}{bracket}")


def option(default: Any, help: str, flag: str | None = None, choices: tuple | None = None, limit: Limit | None = None,
           metavar: str | None = None):
    """A config field with its command-line help, an optional explicit flag name, the values it
    may take (``choices``), the range it must lie in (``limit``) and the word for its value in
    ``--help`` (``metavar``; default: N, X or TEXT by type)."""
    metadata = {"help": help, "flag": flag, "choices": choices, "limit": limit, "metavar": metavar}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def flag_name(option_field: dataclasses.Field) -> str:
    return option_field.metadata.get("flag") or "--" + option_field.name.replace("_", "-")


def default_of(option_field: dataclasses.Field) -> Any:
    if option_field.default_factory is not dataclasses.MISSING:
        return option_field.default_factory()
    return option_field.default


def check_section(name: str, section: Any) -> None:
    """Raise ``ArtganError`` for the first value of config section ``name`` outside its choices or limit."""
    for option_field in dataclasses.fields(section):
        value = getattr(section, option_field.name)
        _check_choices(f"{name}.{option_field.name}", option_field.metadata.get("choices"), value)
        limit = option_field.metadata.get("limit")
        if limit is None or value is None or isinstance(value, bool):
            continue
        if isinstance(value, float) and math.isnan(value) or not limit.valid(value):
            raise ArtganError(f"option {name}.{option_field.name} ({flag_name(option_field)}) must be {limit.words}, "
                              f"got {value!r}")


def _check_choices(name: str, choices: tuple | None, value: Any) -> None:
    if not choices:
        return
    several = isinstance(value, list)
    wrong = [v for v in value if v not in choices] if several else [value] if value not in choices else []
    if wrong:
        raise ArtganError(f"option {name} must be {'a list of names among ' if several else 'one of '}"
                          f"{', '.join(choices)}, got {short(wrong[0])}")


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 60, 60


def short(value: Any) -> str:
    """A value as a message shows it, never more than a line (a hostile file can hold a megabyte of it)."""
    return _SHORT.repr(value)

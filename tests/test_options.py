"""An option's limit and choices are declared beside it and checked by check_section alone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from artgan.errors import ArtganError
from artgan.options import at_least, check_section, option


@dataclass
class Extra:
    rounds: int = option(2, "rounds of something", limit=at_least(1))
    form: str = option("a", "which form", choices=("a", "b"))
    ratio: float = option(0.5, "a ratio", flag="--mix")


def test_a_declared_limit_is_checked_with_its_flag_and_words():
    check_section("extra", Extra())
    with pytest.raises(ArtganError, match=r"^option extra.rounds \(--rounds\) must be a number >= 1, got 0$"):
        check_section("extra", Extra(rounds=0))


def test_declared_choices_are_checked_and_options_without_either_accept_their_type():
    with pytest.raises(ArtganError, match=r"^option extra.form must be one of a, b, got 'c'$"):
        check_section("extra", Extra(form="c"))
    check_section("extra", Extra(ratio=-7.0))

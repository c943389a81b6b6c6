"""The Python API: what a notebook needs, with the CLI's defaults and names.

``artgan.train(data="sklearn:digits", steps=200)`` takes the same options as ``artgan train``
(``data`` and ``model`` as on the command line, every other option by its config field name,
a variant's own options too),
and resolves them as the CLI does (``artgan.runs.recipe.resolve_config``): defaults, then the
variant's own defaults, then yours.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from artgan.config import SECTIONS, Config, build_config, merge_overrides
from artgan.errors import ArtganError

# The two options whose flag is not their field name (--data is data.source, --model is model.name).
FLAG_ALIASES = {"data": ("data", "source"), "model": ("model", "name")}


def option_overrides(options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"steps": 50, "data": "x"}`` -> ``{"train": {"steps": 50}, "data": {"source": "x"}}``."""
    from artgan.variants import variant_options

    where = {f.name: (section, f.name) for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)}
    where.update({name: ("model", name) for name in variant_options()}, **FLAG_ALIASES)
    overrides: dict[str, dict[str, Any]] = {}
    for name, value in options.items():
        if name not in where:
            raise ArtganError(f"unknown option {name!r}; options are data, model and the config fields: "
                              f"{', '.join(sorted(set(where) - set(FLAG_ALIASES)))}")
        section, field = where[name]
        overrides.setdefault(section, {})[field] = value
    return overrides


def make_config(config: Config | None = None, resume: str | Path | None = None, **options: Any) -> Config:
    """A checked ``Config``: ``config`` with ``options`` on top, or (without one) the CLI's precedence:
    defaults, the chosen variant's own defaults, then ``options``; ``resume``: a run's saved recipe."""
    from artgan.runs.recipe import resolve_config

    overrides = option_overrides(options)
    if config is not None:
        return build_config(merge_overrides(config.to_dict(), overrides))
    return resolve_config(overrides, resume=resume)


def train(config: Config | None = None, out: str | Path | None = None, resume: bool = False,
          progress: bool = True, **options: Any):
    """Train a run and return its ``RunDir`` (``.path`` is the run directory); ``resume=True`` continues ``out``."""
    from artgan.training import train as train_run

    config = make_config(config, resume=out if resume and out else None, **options)
    return train_run(config, out=out, resume=resume, progress=progress)


def evaluate(run: str | Path, features: str = "domain", n: int = 1000, seed: int = 0, data: str | None = None,
             device: str = "cpu", progress: bool = False, **options: Any) -> dict:
    """``artgan evaluate`` as a dict: ``result["rows"]["model"]["fid"]`` beside the floors and the ceiling.
    ``options`` go to the preparation (``classifier_steps``, ``inception_weights``, ``classifier``, and
    ``checkpoint``: "best", "last" or a step; by default the best when the run kept one)."""
    from artgan.evaluation.evaluate import evaluate as evaluate_run

    return evaluate_run(run, features, n, seed, progress=progress, source=data, device=device, **options)


def stylize(content, style, mode: str = "full", size: int = 256, strength: float = 1.0, steps: int | None = None,
            device: str = "cpu", weights: str | None = None, progress: bool = False, **settings: Any):
    """A PIL image: ``content`` painted in the style of ``style`` (PIL images, image files or
    ``run:RUN[:SEED]`` specs; a list of styles is blended). ``settings`` are ``GatysSettings`` fields."""
    from PIL import Image

    from artgan.style.io import open_image
    from artgan.style.settings import GatysSettings
    from artgan.style.transfer import transfer

    def image(value) -> Image.Image:
        return value.convert("RGB") if isinstance(value, Image.Image) else open_image(str(value))

    styles = [image(s) for s in (style if isinstance(style, (list, tuple)) else [style])]
    if steps is not None:
        settings["steps"] = steps
    result = transfer(image(content), styles, mode=mode, size=size, strength=strength, settings=GatysSettings(**settings),
                      weights=weights, device=device, show_bar=progress)
    return result.image

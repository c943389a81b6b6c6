"""artgan: train generative adversarial networks on art, and look hard at what came out.

    import artgan
    run = artgan.train(data="sklearn:digits", size=16, steps=300, out="runs/digits")
    model = artgan.load_generator(run.path)
    artgan.make_grid(model.sample(16, seed=0))      # a PIL image; a notebook shows it

The names below are imported on first use, so ``import artgan`` (and ``artgan --help``) stays
instant; docs/python.md walks through them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> module that defines it
API = {
    "train": "artgan.api",
    "evaluate": "artgan.api",
    "stylize": "artgan.api",
    "make_config": "artgan.api",
    "Config": "artgan.config",
    "load_generator": "artgan.generation",
    "make_grid": "artgan.visual.grid",
}

__all__ = ["__version__", *API]

if TYPE_CHECKING:  # for editors and type checkers; at run time __getattr__ imports on demand
    from artgan.api import evaluate, make_config, stylize, train
    from artgan.config import Config
    from artgan.generation import load_generator
    from artgan.visual.grid import make_grid


def __getattr__(name: str):
    if name in API:
        value = getattr(import_module(API[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'artgan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

"""What each config value may be, checked once before any work starts.

The types are checked where the config is built (``artgan.config._coerce``); this table adds the
ranges, so that ``--batch 0``, ``--lr-d -1`` or ``steps: -5`` in a config file stop with one line
naming the option, the value and what is valid, instead of a stack trace an hour into a run.
A section added later (a new issue's options) adds its rows here; options without a row are
accepted as their type allows.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

from artgan.errors import ArtganError

# (is the value valid?, what is valid, in words)
Limit = tuple[Callable[[Any], bool], str]


def at_least(low: float) -> Limit:
    return (lambda v: v >= low), f"a number >= {low:g}"


def positive() -> Limit:
    return (lambda v: math.isfinite(v) and v > 0), "a finite number > 0"


def between(low: int, high: int, why: str) -> Limit:
    """A size: its upper bound keeps a typo (an extra 0, 1e10) from ending in the allocator's error."""
    return (lambda v: low <= v <= high), f"from {low:,} to {high:,} ({why})"


def within(low: float, high: float, closed_high: bool = False) -> Limit:
    bracket = "]" if closed_high else ")"
    return (lambda v: low <= v <= high if closed_high else low <= v < high), f"in [{low:g}, {high:g}{bracket}"


# data.size and data.channels are checked by artgan.data.load_images, first thing, with their own words.
LIMITS: dict[str, Limit] = {
    "data.limit": at_least(0),
    "data.workers": at_least(0),
    "model.latent_dim": between(1, 4096, "StyleGAN's is 512; the first layer holds latent_dim x 8,192 weights"),
    # The DCGAN networks cap every layer at 512 channels (models/dcgan.py, max_width), so a wider value
    # built the same 512-wide networks as 512 does: --g-width 1000000 trained at 512, silently.
    "model.g_width": between(1, 512, "every layer is capped at 512 channels: a wider value changes nothing"),
    "model.d_width": between(1, 512, "every layer is capped at 512 channels: a wider value changes nothing"),
    "model.extra_layers": between(0, 16, "each adds a full-resolution 3x3 conv to G and D"),
    "model.mlp_hidden": between(1, 8192, "each hidden layer holds mlp_hidden squared weights"),
    "model.mlp_layers": between(1, 32, "deeper fully-connected GANs do not train"),
    "model.d_dropout": within(0, 1),
    "train.steps": at_least(1),
    "train.epochs": (lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0 (0 = use --steps)"),
    "train.batch": between(1, 65536, "also capped by the number of images"),
    "train.lr_g": positive(),
    "train.lr_d": positive(),
    "train.beta1": within(0, 1),
    "train.beta2": within(0, 1),
    "train.n_critic": between(1, 100, "WGAN's is 5"),
    "train.g_steps": between(1, 100, "the third report's is 2"),
    "train.seed": (lambda v: 0 <= v < 2**63 - 1, "an integer from 0 to 2**63 - 2"),
    "train.sample_every": at_least(1),
    "train.log_every": at_least(1),
    "train.checkpoint_every": at_least(1),
    "train.keep_checkpoints": at_least(1),
    "train.grid_size": between(1, 1024, "images in one sample grid, generated at every --sample-every"),
    "train.threads": at_least(0),
    # variants and stabilisers
    "model.weight_clip": positive(),
    "model.gp_weight": at_least(0),
    "model.class_weight": at_least(0),
    "train.label_smoothing": within(0, 1),
    "train.label_flip": within(0, 1, closed_high=True),
    "train.instance_noise": at_least(0),
    "train.replay": within(0, 1, closed_high=True),
    "train.replay_size": between(1, 65536, "fakes kept in memory"),
    "train.lr_step": at_least(0),
    "train.lr_gamma": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "train.ema_decay": within(0, 1),
    "train.r1": at_least(0),
    "train.ada_target": (lambda v: -1 < v < 1, "in (-1, 1): a mean sign"),
    "train.ada_images": at_least(1),
    "train.ada_interval": at_least(1),
    # reliability
    "train.rollback_lr_factor": (lambda v: 0 < v < 1, "in (0, 1)"),
    "train.max_rollbacks": at_least(0),
    "train.divergence_limit": (lambda v: v >= 0, "a number >= 0 (0 = only NaN/inf count)"),
    "train.max_grad_norm": (lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0 (0 = no clipping)"),
    "train.eval_every": at_least(0),  # evaluation during training
    "train.eval_n": between(10, 50000, "FID's usual sample count is 50,000"),
}


def check_limits(config) -> None:
    """Raise ``ArtganError`` for the first value outside its limit, naming flag, value and range."""
    for name, (valid, description) in LIMITS.items():
        section, key = name.split(".")
        value = getattr(getattr(config, section, None), key, None)
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, float) and math.isnan(value) or not valid(value):
            raise ArtganError(f"option {name} ({_flag(getattr(config, section), key)}) must be {description}, got {value!r}")
    train = getattr(config, "train", None)
    if train is not None and train.augment == "ada" and not train.diffaug:
        raise ArtganError("--augment ada adapts how often DiffAugment applies, but --no-diffaug turns it off; "
                          "drop one of the two")


def _flag(section, key: str) -> str:
    field = next(f for f in dataclasses.fields(section) if f.name == key)
    return field.metadata.get("flag") or "--" + key.replace("_", "-")

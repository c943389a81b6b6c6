"""The learning rate, decided in one place: lr = base x schedule(step) x decay(progress) x rollback scale.

nanoGPT's ``get_lr(it)`` is the model: the rate is a function of the step, of the config's base
rates (``--lr-g`` / ``--lr-d``, never written while training) and of the divergence guard's
rollback scale (checkpointed), and of how far the run is through its planned length (steps, or
its saved clock under --time), so a resumed run steps with exactly the rates an uninterrupted
one would. ``Trainer.apply_learning_rates`` is the only writer of the optimizers' rates.
"""

from __future__ import annotations

import math

import torch

from artgan.config import TrainConfig


def schedule(t: TrainConfig, step: int) -> float:
    """--lr-step N --lr-gamma G: both rates times G every N steps (the second report: 50 / 0.75); 1 when off."""
    return t.lr_gamma ** (step // t.lr_step) if t.lr_step > 0 else 1.0


def decay(t: TrainConfig, progress: float) -> float:
    """--lr-decay: from 1 at the start to --lr-final at the end of the planned run (``progress`` 0 -> 1).
    Tied to the run's length, not to a step count, so a 20-minute run and a 3,000-step one both end
    slowly, whatever the machine's speed."""
    if t.lr_decay == "none":
        return 1.0
    progress = min(max(progress, 0.0), 1.0)
    shape = (1 + math.cos(math.pi * progress)) / 2 if t.lr_decay == "cosine" else 1 - progress
    return t.lr_final + (1 - t.lr_final) * shape


def learning_rates(t: TrainConfig, step: int, rollback_scale: float, progress: float) -> tuple[float, float]:
    """(G's rate, D's rate) for the iteration that starts at ``step``, ``progress`` of the way through the run."""
    factor = schedule(t, step) * decay(t, progress) * rollback_scale
    return t.lr_g * factor, t.lr_d * factor


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr

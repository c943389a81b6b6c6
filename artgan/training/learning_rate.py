"""The learning rate, decided in one place: lr(step) = base x schedule(step) x rollback scale.

nanoGPT's ``get_lr(it)`` is the model: the rate is a function of the step, of the config's base
rates (``--lr-g`` / ``--lr-d``, never written while training) and of the divergence guard's
rollback scale (checkpointed), so a resumed run steps with exactly the rates an uninterrupted
one would. ``Trainer.apply_learning_rates`` is the only writer of the optimizers' rates.
"""

from __future__ import annotations

import torch

from artgan.config import TrainConfig


def schedule(t: TrainConfig, step: int) -> float:
    """--lr-step N --lr-gamma G: both rates times G every N steps (the second report: 50 / 0.75); 1 when off."""
    return t.lr_gamma ** (step // t.lr_step) if t.lr_step > 0 else 1.0


def learning_rates(t: TrainConfig, step: int, rollback_scale: float) -> tuple[float, float]:
    """(G's rate, D's rate) for the iteration that starts at ``step``."""
    factor = schedule(t, step) * rollback_scale
    return t.lr_g * factor, t.lr_d * factor


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr

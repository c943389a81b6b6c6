"""The divergence guard: notice NaN/inf or exploding losses and gradients before they are saved.

A GAN that diverges usually does so in one step (a NaN from an fp16 overflow, an exploding
gradient from a discriminator that got too confident) and then trains on garbage forever while
every checkpoint overwrites a good one with NaN weights. The guard watches every step on the
device (no host sync: a per-step ``.item()`` would stall a GPU), and the trainer asks it once per
log / sample / checkpoint boundary whether anything went wrong since the last boundary. If so,
nothing of the bad stretch is written, and the run either stops with a message saying what to
try, or (``--on-divergence rollback``) reloads the last good checkpoint with lower learning rates:
``decide_after_divergence`` says which, and the trainer applies it.

Gradients are watched through ``Precision.backward_and_step``'s ``before_step`` hook, which also
clips them when ``--max-grad-norm`` is set. Under fp16 a non-finite gradient is the GradScaler's
normal overflow signal (it skips that step and lowers its scale), so only losses count there.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from artgan.config import TrainConfig
from artgan.errors import ArtganError
from artgan.runs.checkpoint import list_checkpoints, newest_good_checkpoint
from artgan.training.distributed import main_first


class TrainingDiverged(ArtganError):
    """Raised when the run stops because of divergence; the last good checkpoint is untouched."""


class DivergenceGuard:
    def __init__(self, t: TrainConfig, device: torch.device, optimizers: dict[str, torch.optim.Optimizer],
                 fp16: bool = False):
        self.limit = t.divergence_limit if t.divergence_limit > 0 else math.inf
        self.max_grad_norm = t.max_grad_norm
        self.names = {id(optimizer): name for name, optimizer in optimizers.items()}
        self.watch_gradient_values = not fp16
        self.tripped = torch.zeros((), dtype=torch.bool, device=device)
        self.last: dict[str, torch.Tensor] = {}  # latest value of every watched quantity, for the message
        self.rollbacks = 0
        self.lr_scale = 1.0  # product of every rollback's --rollback-lr-factor
        self.start_state: dict | None = None  # where a rollback before the first checkpoint goes

    def watch_losses(self, stats: dict[str, torch.Tensor]) -> None:
        """Every statistic must be finite; a loss must also stay within --divergence-limit."""
        for name, value in stats.items():
            value = value.detach().float()
            bad = ~torch.isfinite(value)
            if name.startswith("loss"):
                bad = bad | (value.abs() > self.limit)
            self.tripped |= bad
            self.last[name] = value

    def before_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Called between backward and the optimizer step: measure (and clip) the gradient norm."""
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        if not params:
            return
        norm = torch.nn.utils.get_total_norm([p.grad for p in params], foreach=True)
        if self.max_grad_norm > 0:
            torch.nn.utils.clip_grads_with_norm_(params, self.max_grad_norm, norm, foreach=True)
        if self.watch_gradient_values:
            self.tripped |= ~torch.isfinite(norm) | (norm > self.limit)
        self.last[f"grad_norm_{self.names.get(id(optimizer), 'model')}"] = norm.detach()

    def remember_start(self, state: dict) -> None:
        """Rollback needs a state to go back to before the first checkpoint exists: keep one in memory."""
        self.start_state = copy.deepcopy(state)

    def diverged(self) -> bool:
        """One host sync: did anything go wrong since the last ``reset``, on this or any other rank?"""
        return any_rank(self.tripped) > 0

    def reset(self) -> None:
        self.tripped.zero_()

    def describe(self) -> str:
        """What the watched quantities were when the guard looked, worst first."""
        values = {name: float(value) for name, value in self.last.items()}
        bad = [n for n, v in values.items() if not math.isfinite(v) or (n.startswith(("loss", "grad")) and abs(v) > self.limit)]
        shown = bad + [n for n in values if n not in bad][: max(0, 4 - len(bad))]
        return ", ".join(f"{n} = {values[n]:.4g}" for n in shown)

    def state_dict(self) -> dict:
        return {"rollbacks": self.rollbacks, "lr_scale": self.lr_scale}

    def load_state_dict(self, state: dict) -> None:
        self.rollbacks, self.lr_scale = state["rollbacks"], state["lr_scale"]


def any_rank(value: torch.Tensor) -> int:
    """The largest value over all processes (just this one's without torch.distributed).

    Under DDP every rank must take the same branch (stop, roll back, save), or the ranks that go on
    wait forever in their next collective for the ones that stopped. Called only at steps that are
    the same on every rank (log/sample/checkpoint boundaries).
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        value = value.to(torch.int64, copy=True)
        torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return int(value.item())


def advice(t: TrainConfig) -> str:
    """What to try, most likely first, skipping what the run already does."""
    tips = []
    if t.on_divergence != "rollback":
        tips.append("--on-divergence rollback (restart from the last good checkpoint with lower learning rates)")
    tips.append(f"lower learning rates (e.g. --lr-d {t.lr_d / 2:g} --lr-g {t.lr_g / 2:g})")
    if t.max_grad_norm <= 0:
        tips.append("--max-grad-norm 10")
    if t.precision in ("auto", "fp16"):
        tips.append("--precision fp32")
    return "try " + "; ".join(tips)


@dataclass
class Rollback:
    """The guard's decision after a divergence, which the trainer applies: load ``state``, then train
    on with the rollback count and learning-rate scale given here."""

    state: dict
    rollbacks: int
    lr_scale: float
    message: str


def decide_after_divergence(guard: DivergenceGuard, t: TrainConfig, checked_step: int, step: int,
                            checkpoints: Path, main: bool) -> Rollback:
    """Stop with what happened and what to try (``TrainingDiverged``), or say where to roll back to.

    Nothing after ``checked_step`` was written, because the guard is asked before every log row,
    sample grid and checkpoint, so the newest checkpoint on disk is always a healthy one; before
    the first checkpoint the run goes back to the start kept by ``remember_start``. ``main``: this
    process may rename a damaged checkpoint (rank 0 under torchrun).
    """
    what = f"between step {checked_step} and {step}: {guard.describe()}"
    if t.on_divergence == "stop" or guard.rollbacks >= t.max_rollbacks:
        found = list_checkpoints(checkpoints)
        kept = f"the last good checkpoint {found[-1]} is kept" if found else "no checkpoint had been written yet"
        tried = f" after {guard.rollbacks} rollback(s)" if guard.rollbacks else ""
        raise TrainingDiverged(f"training diverged{tried} {what}. Nothing from those steps was saved; {kept}; "
                               f"{advice(t)}")
    with main_first():  # under torchrun rank 0 quarantines a damaged file before the others read
        found = newest_good_checkpoint(checkpoints, quarantine=main)
    state = found[1] if found else guard.start_state
    rollbacks, scale = guard.rollbacks + 1, guard.lr_scale * t.rollback_lr_factor
    message = (f"artgan: training diverged {what}; rolled back to step {state['step']} with learning rates "
               f"x{scale:g} (rollback {rollbacks} of {t.max_rollbacks})")
    return Rollback(state, rollbacks, scale, message)

"""--time 20m: how long to train, in wall-clock time, as artists plan a session.

The clock counts training only (not data preparation), is saved in every checkpoint and restored on
resume, so a run stopped after 12 of its 20 minutes trains 8 more: the time between its last
checkpoint and the stop is trained again, as its steps are.
"""

from __future__ import annotations

import re
import time

import torch

from artgan.errors import ArtganError
from artgan.training import distributed

UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}
DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")


def parse_duration(text: str) -> float:
    """'20m', '1h30m', '90s', '1.5h' -> seconds; a bare number is minutes."""
    text = str(text).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text) * 60
    else:
        match = DURATION.fullmatch(text)
        if not text or match is None or not any(match.groups()):
            raise ArtganError(f"--time must be a duration such as 20m, 1h30m or 90s, got {text!r}")
        seconds = sum(float(value) * UNITS[unit] for value, unit in zip(match.groups(), "hms") if value)
    if seconds <= 0:
        raise ArtganError(f"--time must be longer than 0, got {text!r}")
    return seconds


class TrainingClock:
    """Seconds spent training, across resumes; ``up(step)`` says when the budget is spent."""

    def __init__(self, budget: str, check_every: int, now=time.perf_counter):
        self.now = now
        self.budget = parse_duration(budget) if budget else 0.0
        self.check_every = max(1, check_every)
        self.before = 0.0  # seconds trained by earlier sessions of this run
        self.started: float | None = None
        self.progress = 0.0  # share of the budget spent at the last look, the same on every rank

    def start(self) -> None:
        self.started = self.now()

    def pause(self) -> None:
        """Stop counting until the next ``start()``: time spent in between is not training."""
        self.before, self.started = self.seconds(), None

    def seconds(self) -> float:
        return self.before + (self.now() - self.started if self.started is not None else 0.0)

    def left(self) -> float:
        return max(self.budget - self.seconds(), 0.0)

    def up(self, step: int) -> bool:
        """Asked after every step; looks at the clock every ``check_every`` steps, and under torchrun
        every rank stops at the same step (one small all-reduce then), having seen the same ``progress``."""
        if not self.budget or step % self.check_every:
            return False
        seconds = distributed.mean_over_ranks(torch.tensor([self.seconds()], dtype=torch.float64)).item()
        self.progress = seconds / self.budget
        return seconds >= self.budget

    def state_dict(self) -> dict:
        return {"seconds_trained": self.seconds()}

    def load_state_dict(self, state: dict) -> None:
        self.before, self.started = float(state.get("seconds_trained", 0.0)), None
        self.progress = self.before / self.budget if self.budget else 0.0

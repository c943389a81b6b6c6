"""Keep the best, not the last: the training state at the lowest KID so far, as ``checkpoints/best.safetensors``.

The record (metric, score, step) lives in run.json (``artgan.runs.best``), so a resumed run goes on
from it: a later state replaces the best only when it scores strictly lower. Under torchrun rank 0
alone measures (it alone holds the tracker) and writes; the other ranks' states are the same
networks, and no rank's training depends on which state was kept.
"""

from __future__ import annotations

import math
import sys
from typing import Callable

from artgan.atomic import DiskFullError
from artgan.runs.best import BestRecord, best_path, read_best, write_best
from artgan.runs.checkpoint import save_checkpoint
from artgan.runs.run_dir import RunDir

METRIC = "kid_domain"  # lower is better; unbiased in the sample count, so small sets compare fairly


class BestKeeper:
    """``keeper(step, scores)`` after each measurement; ``state()`` gives the whole training state to save."""

    def __init__(self, run: RunDir, state: Callable[[], dict], metric: str = METRIC):
        self.run, self.state, self.metric = run, state, metric

    def __call__(self, step: int, scores: dict[str, float]) -> bool:
        """Save the state as the best when ``scores[metric]`` beats run.json's record; True when it did."""
        score, record = float(scores[self.metric]), read_best(self.run)  # read each time: --resume, a fresh start
        if not math.isfinite(score) or record is not None and record.metric == self.metric and not score < record.score:
            return False
        try:
            save_checkpoint(best_path(self.run), self.state())  # atomic: a crash leaves the previous best
        except DiskFullError as error:
            print(f"artgan: warning: step {step} scored the best {self.metric} so far ({score:.4f}) but could "
                  f"not be kept: {error}", file=sys.stderr)
            return False
        write_best(self.run, BestRecord(self.metric, score, step))
        return True


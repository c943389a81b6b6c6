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
# A conditional model's overall KID can fall while its samples drift off their classes or repeat one
# image per class (docs/quality.md: acgan's class accuracy peaked at 5 CPU-minutes, its KID later);
# the mean of the per-class KIDs sees both, so it ranks a conditional run's states.
CLASS_METRIC = "kid_class_domain"
# A state whose samples reach almost none of the real images is a collapse, however low its KID: on
# the few-shot stamps one grey lattice, the same for every noise, scored a lower KID in clip-art
# features than the varied animal shapes of the run's end. Recall is 0 when every sample is alike.
RECALL = "recall_domain"


class BestKeeper:
    """``keeper(step, scores)`` after each measurement; ``state()`` gives the whole training state to save."""

    def __init__(self, run: RunDir, state: Callable[[], dict], min_recall: float = 0.0, metric: str = METRIC):
        self.run, self.state, self.metric, self.min_recall = run, state, metric, min_recall

    def __call__(self, step: int, scores: dict[str, float]) -> bool:
        """Save the state as the best when ``scores[metric]`` (``kid_domain`` where that was not measured:
        classes too small to score) beats run.json's record and its samples are not collapsed
        (``recall_domain``, when measured, at least ``min_recall``); True when it did."""
        metric = self.metric if self.metric in scores else METRIC
        score, record = float(scores[metric]), read_best(self.run)  # read each time: --resume, a fresh start
        if not math.isfinite(score) or record is not None and record.metric == metric and not score < record.score:
            return False
        if scores.get(RECALL, 1.0) < self.min_recall:
            return False
        try:
            save_checkpoint(best_path(self.run), self.state())  # atomic: a crash leaves the previous best
        except DiskFullError as error:
            print(f"artgan: warning: step {step} scored the best {metric} so far ({score:.4f}) but could "
                  f"not be kept: {error}", file=sys.stderr)
            return False
        write_best(self.run, BestRecord(metric, score, step))
        return True


"""The best checkpoint, and which checkpoint file a run's ``--checkpoint`` choice means.

With ``--eval-every N`` the trainer scores KID every N steps and keeps the state at the lowest score
so far as ``checkpoints/best.safetensors`` (a whole training state, checksummed like the others,
never pruned), with ``best: {metric, score, step}`` in run.json. GAN training can get worse late:
StudioGAN's published DCGAN log peaked at FID 49 at step 42k and ended at 137, so the last
checkpoint alone can be the worst one.

``generate``, ``evaluate``, ``show``, ``export``, ``push`` and the app all ask ``checkpoint_candidates``
which file to read: the best when the run keeps one, else the last.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from artgan.errors import ArtganError
from artgan.runs.checkpoint import CHECKPOINT_PATTERN, checkpoint_path, list_checkpoints
from artgan.runs.run_dir import RunDir

BEST_FILE = "best.safetensors"
CHOICE_HELP = ("which checkpoint: best (the lowest KID, per class for a conditional model, that --eval-every "
               "measured during training), last (the newest), or a step number such as 1500; default: best when the run kept one, else last")


@dataclass(frozen=True)
class BestRecord:
    """What run.json says of the best checkpoint: the metric (lower is better), its score and the step."""
    metric: str
    score: float
    step: int

    def describe(self) -> str:
        return f"step {self.step}, {self.metric} {self.score:.4f}"


def best_path(run: RunDir) -> Path:
    return run.checkpoints / BEST_FILE


def read_best(run: RunDir) -> BestRecord | None:
    """The run's best checkpoint record, or None when it keeps none (no record, a malformed one, or no file)."""
    try:
        entry = run.read_info().get("best") if run.info_file.is_file() else None
        record = BestRecord(str(entry["metric"]), float(entry["score"]), int(entry["step"]))
    except (ArtganError, TypeError, KeyError, ValueError):
        return None
    return record if math.isfinite(record.score) and best_path(run).is_file() else None


def write_best(run: RunDir, record: BestRecord | None) -> None:
    """Record (or, with None, forget) the best checkpoint in run.json, keeping every other entry."""
    run.update_info(best=None if record is None else asdict(record))


def forget_best(run: RunDir) -> None:
    """A fresh start in a folder a killed run left: that run's best is not this one's."""
    best_path(run).unlink(missing_ok=True)
    if run.info_file.is_file():
        write_best(run, None)


def parse_choice(choice: str | int | None) -> str | int | None:
    """``best``, ``last``, a step (int), or None for the default; anything else is the user's error."""
    if choice is None or isinstance(choice, int) and not isinstance(choice, bool):
        return choice
    text = str(choice).strip().lower()
    if text in ("best", "last"):
        return text
    if text.isdigit():
        return int(text)
    raise ArtganError(f"--checkpoint takes best, last or a step number (e.g. 1500), got {str(choice)!r}")


def checkpoint_candidates(run: RunDir, choice: str | int | None = None) -> list[Path]:
    """The checkpoint files ``choice`` means, in the order to try them (a damaged one falls back to the next).

    None: the best when the run keeps one, then the step checkpoints newest first; ``last``: the step
    checkpoints newest first; ``best`` or a step: that file alone, or an error listing what there is.
    """
    choice = parse_choice(choice)
    steps = list(reversed(list_checkpoints(run.checkpoints)))
    best = read_best(run)
    if choice is None:
        return ([best_path(run)] if best else []) + steps
    if choice == "last" and steps:
        return steps
    if choice == "best" and best:
        return [best_path(run)]
    if isinstance(choice, int) and checkpoint_path(run.checkpoints, choice).is_file():
        return [checkpoint_path(run.checkpoints, choice)]
    asked = f"step {choice}" if isinstance(choice, int) else choice
    why = " (a run keeps one when trained with --eval-every N)" if choice == "best" else ""
    raise ArtganError(f"run {str(run.path)!r} has no {asked} checkpoint{why}; it has: {available(run, best, steps)}")


def available(run: RunDir, best: BestRecord | None, steps: list[Path]) -> str:
    """The choices a run offers, for an error message: ``best (step 400, kid_domain 0.0123), last (step 600), ...``."""
    numbers = [int(CHECKPOINT_PATTERN.search(p.name).group(1)) for p in reversed(steps)]
    offered = [f"best ({best.describe()})"] if best else []
    offered += [f"last (step {numbers[-1]})", "steps " + ", ".join(map(str, numbers))] if numbers else []
    return "; ".join(offered) or "no checkpoint yet"

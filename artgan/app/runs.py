"""The runs the app offers: every artgan run directory under one root folder, and how far each got.

The app only ever opens runs found here, so a page cannot be talked into reading a path outside
the root (a symlink pointing elsewhere is skipped too).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from artgan.runs.checkpoint import CHECKPOINT_PATTERN, list_checkpoints

RUNS_ENV = "ARTGAN_APP_RUNS"  # the runs folder, set by `artgan app --runs DIR`
# A run whose files changed this recently, and that has not written its final grid, is training.
ACTIVE_SECONDS = 120.0
MAX_DEPTH = 3  # runs/<name>/ or runs/<group>/<name>/ ...; deeper trees are not searched


@dataclass(frozen=True)
class RunSummary:
    path: Path
    name: str  # path relative to the root, shown to the user
    variant: str
    source: str
    size: int
    channels: int
    class_names: list[str] | None
    step: int  # of the newest checkpoint; 0 when there is none yet
    planned_steps: int
    updated: float  # newest modification time of anything the trainer writes

    @property
    def has_checkpoint(self) -> bool:
        return self.step > 0

    @property
    def sample_frames(self) -> list[Path]:
        """The fixed-noise grids written so far, oldest first."""
        return sorted((self.path / "samples").glob("step_*.png"))

    @property
    def finished(self) -> bool:
        """The trainer writes samples.png last, after the final sample grid."""
        final = self.path / "samples.png"
        frames = self.sample_frames
        return final.is_file() and (not frames or final.stat().st_mtime >= frames[-1].stat().st_mtime)

    def state(self, now: float | None = None) -> str:
        if self.finished:
            return "finished"
        recent = (now or time.time()) - self.updated < ACTIVE_SECONDS
        return "training" if recent else "stopped"

    @property
    def label(self) -> str:
        """One line for a run picker: name, variant, data, size and step."""
        classes = f", {len(self.class_names)} classes" if self.class_names else ""
        return f"{self.name} · {self.variant} on {self.source}{classes} · {self.size}px · step {self.step}"


def find_runs(root: str | Path) -> list[RunSummary]:
    """Run directories under ``root`` (those holding run.json and config.yaml), newest first."""
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        return []
    found = [summary for path in _candidate_dirs(root, root, MAX_DEPTH) if (summary := read_run(path, root))]
    return sorted(found, key=lambda run: run.updated, reverse=True)


def read_run(path: Path, root: Path) -> RunSummary | None:
    """A summary of one run, or None when ``path`` is not a readable run inside ``root``."""
    path = path.resolve()
    if not path.is_relative_to(root):
        return None
    try:
        info = json.loads((path / "run.json").read_text())
        config = yaml.safe_load((path / "config.yaml").read_text()) or {}
    except (OSError, ValueError, yaml.YAMLError):
        return None
    checkpoints = list_checkpoints(path / "checkpoints")
    step = int(CHECKPOINT_PATTERN.search(checkpoints[-1].name).group(1)) if checkpoints else 0
    watched = [path / "metrics.csv", path / "run.json", *checkpoints[-1:], *sorted((path / "samples").glob("step_*.png"))[-1:]]
    return RunSummary(
        path=path,
        name=str(path.relative_to(root)) if path != root else path.name,
        variant=str(info.get("model", config.get("model", {}).get("name", "?"))),
        source=str(info.get("source", "?")),
        size=int(info.get("size", 0)),
        channels=int(info.get("channels", 0)),
        class_names=info.get("class_names") or None,
        step=step,
        planned_steps=int(config.get("train", {}).get("steps", 0)),
        updated=max((p.stat().st_mtime for p in watched if p.exists()), default=0.0),
    )


def _candidate_dirs(directory: Path, root: Path, depth: int):
    if (directory / "run.json").is_file():
        yield directory
        return  # a run's own sub-folders (samples/, checkpoints/) hold no runs
    if depth == 0:
        return
    try:
        children = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return
    for child in children:
        if child.resolve().is_relative_to(root):
            yield from _candidate_dirs(child, root, depth - 1)

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

from artgan.config import load_yaml
from artgan.runs.best import BestRecord, read_best
from artgan.runs.checkpoint import CHECKPOINT_PATTERN, list_checkpoints
from artgan.runs.published import published_step
from artgan.runs.run_dir import RunDir

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
    step: int  # of the newest checkpoint (what Generate samples); 0 when there is none yet
    planned_steps: int  # 0 when a time budget (train.time) decides instead
    updated: float  # newest modification time of anything the trainer writes
    trained_step: int = 0  # how far training got: the newest logged step, sample grid or checkpoint
    best: BestRecord | None = None  # the best checkpoint --eval-every kept, which the app samples when there is one
    time_budget: str = ""  # train.time, e.g. "5m": it overrides the steps

    @property
    def plan(self) -> str:
        """How long the run is meant to train: "3000" (steps), "5m" (a time budget), or "" when unknown."""
        return self.time_budget or (str(self.planned_steps) if self.planned_steps else "")

    @property
    def has_checkpoint(self) -> bool:
        return self.step > 0

    @property
    def sampled_step(self) -> int:
        """The step of the checkpoint the app samples: the best one when the run kept one, else the newest."""
        return self.best.step if self.best else self.step

    @property
    def best_note(self) -> str:
        """``best checkpoint: step 400, KID 0.0123`` for a run that kept one, else empty."""
        return f"best checkpoint: step {self.best.step}, KID {self.best.score:.4f}" if self.best else ""

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
        from artgan.app.jobs import JOB_FILE, running_pid

        if self.finished:
            return "finished"
        if (self.path / JOB_FILE).is_file():  # started by the app: its process says, not the file times
            return "training" if running_pid(self.path) is not None else "stopped"
        recent = (now or time.time()) - self.updated < ACTIVE_SECONDS
        return "training" if recent else "stopped"

    @property
    def label(self) -> str:
        """One line for a run picker: name, variant, data, size and step."""
        classes = f", {len(self.class_names)} classes" if self.class_names else ""
        best = f" (best of {self.step})" if self.best else ""
        return f"{self.name} · {self.variant} on {self.source}{classes} · {self.size}px · step {self.sampled_step}{best}"


@dataclass(frozen=True)
class BrokenRun:
    """A folder that looks like a run but cannot be shown, and why (one line for the user)."""

    name: str
    reason: str


def find_runs(root: str | Path) -> list[RunSummary]:
    """Run directories under ``root`` (those holding run.json and config.yaml), newest first."""
    return scan_runs(root)[0]


def scan_runs(root: str | Path) -> tuple[list[RunSummary], list[BrokenRun]]:
    """The readable runs under ``root``, newest first, and the broken ones with their reasons: one
    bad run.json must not take the others down with it."""
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        return [], []
    found, broken = [], []
    for path in _candidate_dirs(root, root, MAX_DEPTH):
        try:
            summary = read_run(path, root, strict=True)
        except BrokenRunError as error:
            broken.append(BrokenRun(_name(path.resolve(), root), str(error)))
            continue
        if summary is not None:
            found.append(summary)
    return sorted(found, key=lambda run: run.updated, reverse=True), broken


class BrokenRunError(ValueError):
    pass


def read_run(path: Path, root: Path, strict: bool = False) -> RunSummary | None:
    """A summary of one run, or None when ``path`` is not a readable run inside ``root``
    (``strict``: raise ``BrokenRunError`` saying what is wrong instead)."""
    path = path.resolve()
    if not path.is_relative_to(root):
        return None
    try:
        return _summary(path, root)
    except BrokenRunError:
        if strict:
            raise
        return None


def _summary(path: Path, root: Path) -> RunSummary:
    info = _mapping(path / "run.json", lambda text: json.loads(text))
    config = _mapping(path / "config.yaml", lambda text: load_yaml(text) or {})
    model, train = config.get("model", {}), config.get("train", {})
    if not isinstance(model, dict) or not isinstance(train, dict):
        raise BrokenRunError("config.yaml: its model and train sections must be mappings")
    checkpoints = list_checkpoints(path / "checkpoints")
    # A run published to the Hub (artgan push) has no checkpoints, only its generator.
    step = int(CHECKPOINT_PATTERN.search(checkpoints[-1].name).group(1)) if checkpoints else published_step(path)
    frames = sorted((path / "samples").glob("step_*.png"))
    watched = [path / "metrics.csv", path / "run.json", *checkpoints[-1:], *frames[-1:]]
    class_names = info.get("class_names") or None
    if class_names is not None and not (isinstance(class_names, list) and all(isinstance(c, str) for c in class_names)):
        raise BrokenRunError(f"run.json: class_names must be a list of names, got {str(class_names)[:60]}")
    newest_frame = int(frames[-1].stem.split("_")[-1]) if frames and frames[-1].stem.split("_")[-1].isdigit() else 0
    return RunSummary(
        path=path,
        name=_name(path, root),
        variant=str(info.get("model", model.get("name", "?"))),
        source=str(info.get("source", "?")),
        size=_integer(info, "size", "run.json"),
        channels=_integer(info, "channels", "run.json"),
        class_names=class_names,
        step=step,
        planned_steps=0 if train.get("time") else _integer(train, "steps", "config.yaml: train"),
        updated=max((p.stat().st_mtime for p in watched if p.exists()), default=0.0),
        trained_step=max(step, newest_frame, last_logged_step(path / "metrics.csv")),
        best=read_best(RunDir(path)),
        time_budget=str(train.get("time") or ""),
    )


MAX_FILE_BYTES = 1 << 20  # run.json and config.yaml are a few KB; a huge one is not a run's


def _mapping(path: Path, parse) -> dict:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BrokenRunError(f"{path.name} is {path.stat().st_size:,} bytes, too large to be a run's")
        data = parse(path.read_text())
    except (OSError, ValueError, RecursionError, yaml.YAMLError) as error:
        first = str(error).splitlines()[0][:100] if str(error) else type(error).__name__
        raise BrokenRunError(f"{path.name} cannot be read ({first})") from None
    if not isinstance(data, dict):
        raise BrokenRunError(f"{path.name} must hold a mapping, got {type(data).__name__}")
    return data


def _integer(values: dict, key: str, where: str) -> int:
    value = values.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BrokenRunError(f"{where}: {key} must be a whole number, got {str(value)[:40]!r}")
    return value


def _name(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path != root else path.name


def last_logged_step(metrics: Path, tail_bytes: int = 4096) -> int:
    """The step of metrics.csv's last whole row, read from the file's end only (it grows for days)."""
    try:
        with open(metrics, "rb") as file:
            file.seek(max(0, file.seek(0, 2) - tail_bytes))
            lines = file.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return 0
    for line in reversed(lines[1:] if len(lines) > 1 else []):
        first = line.split(",", 1)[0]
        if "," in line and first.isdigit():  # a line torn by a crash mid-append has no comma yet
            return int(first)
    return 0


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

"""Training metrics to CSV (for people and plots) and TensorBoard (for `tensorboard --logdir runs`).

TensorBoard gets every logged value as a scalar (the losses, and ``fid_domain`` when --eval-every
is on), every fixed-noise grid as an image (tag ``samples``), and the run's configuration in its
HParams tab, so runs with different recipes can be compared side by side.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np

from artgan.atomic import write_text_atomic
from artgan.paths import readable_name

# Columns that hold words, not numbers: the speed settings the run trains with, on every row.
TEXT_COLUMNS = ("precision", "memory_format")


class MetricsLog:
    def __init__(self, run_dir: Path, tensorboard: bool = True):
        self.path = Path(run_dir) / "metrics.csv"
        self.columns: list[str] | None = None
        if self.path.exists():
            with open(self.path, newline="") as file:
                self.columns = next(csv.reader(file), None)
        self.writer = _tensorboard_writer(Path(run_dir) / "tensorboard") if tensorboard else None

    def log(self, step: int, values: dict[str, float]) -> None:
        row = {"step": step, **values}
        if self.columns is None or not set(row) <= set(self.columns):
            self._widen(list(row))
        with open(self.path, "a", newline="") as file:
            csv.writer(file).writerow([_format(row.get(c, "")) for c in self.columns])
        if self.writer is not None:
            for name, value in values.items():
                if name not in TEXT_COLUMNS:
                    self.writer.add_scalar(name, value, step)

    def log_image(self, tag: str, image: np.ndarray, step: int) -> None:
        """An (H, W, C) uint8 picture, e.g. the fixed-noise grid, under ``tag`` at ``step``."""
        if self.writer is not None:
            self.writer.add_image(tag, image, step, dataformats="HWC")

    def log_hparams(self, config: dict[str, dict], metrics: list[str]) -> None:
        """The configuration in TensorBoard's HParams tab, with ``metrics`` (scalar tags) as its columns.

        Written into this run's own event file (``SummaryWriter.add_hparams`` would start a second,
        timestamped run folder beside it).
        """
        if self.writer is None:
            return
        from torch.utils.tensorboard.summary import hparams

        flat = {f"{section}.{name}": _hparam_value(value) for section, values in config.items() for name, value in values.items()}
        for summary in hparams(flat, {name: 0.0 for name in metrics}):
            self.writer.file_writer.add_summary(summary)
        self.writer.flush()

    def _widen(self, names: list[str]) -> None:
        """Start the file, or rewrite it with extra columns when a new metric (e.g. FID) appears."""
        rows = _complete_rows(self.path)[1:] if self.columns else []
        old = self.columns or []
        self.columns = old + [n for n in names if n not in old]
        self._rewrite([self.columns] + [r + [""] * (len(self.columns) - len(r)) for r in rows])

    def truncate_after(self, step: int) -> None:
        """Drop rows logged after ``step``: a resumed run redoes them, and must not log them twice."""
        if not self.path.exists():
            return
        rows = _complete_rows(self.path)
        self._rewrite(rows[:1] + [r for r in rows[1:] if int(r[0]) <= step])

    def _rewrite(self, rows: list[list[str]]) -> None:
        """Whole-file rewrites are atomic; appends are not, so readers drop a torn last line."""
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        write_text_atomic(self.path, text.getvalue())

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class NullLog:
    """What the other processes log to under torchrun: rank 0 alone writes metrics.csv."""

    def log(self, step: int, values: dict[str, float]) -> None: ...
    def log_image(self, tag: str, image: np.ndarray, step: int) -> None: ...
    def log_hparams(self, config: dict[str, dict], metrics: list[str]) -> None: ...
    def truncate_after(self, step: int) -> None: ...
    def close(self) -> None: ...


def read_metrics(run_dir: Path) -> dict[str, tuple[list[int], list[float]]]:
    """metrics.csv as ``{name: (steps, values)}``; a metric logged only now and then (FID) keeps its own steps."""
    path = Path(run_dir) / "metrics.csv"
    series: dict[str, tuple[list[int], list[float]]] = {}
    if not path.exists():
        return series
    rows = _complete_rows(path)
    for row in rows[1:]:
        record = dict(zip(rows[0], row))
        step = int(record.pop("step"))
        for key, value in record.items():
            if value != "" and key not in TEXT_COLUMNS:
                steps, values = series.setdefault(key, ([], []))
                steps.append(step)
                values.append(float(value))
    return series


def _complete_rows(path: Path) -> list[list[str]]:
    """Header and whole rows of metrics.csv; a line torn by a crash mid-append (too short, or with
    a value that is not a number) is dropped instead of breaking the resume or the plots."""
    with open(path, newline="", errors="replace") as file:
        rows = list(csv.reader(file))
    if not rows:
        return []
    return rows[:1] + [r for r in rows[1:] if len(r) == len(rows[0]) and _numbers(r, rows[0])]


def _numbers(row: list[str], header: list[str]) -> bool:
    try:
        int(row[0])
        [float(v) for v, name in zip(row[1:], header[1:]) if v != "" and name not in TEXT_COLUMNS]
    except ValueError:
        return False
    return True


def _hparam_value(value):
    """HParams takes numbers, strings and booleans; lists (DiffAugment's policy) and None become text."""
    if isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return readable_name(text)  # a --data folder whose name is not UTF-8 (TensorBoard writes UTF-8)


def _format(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _tensorboard_writer(directory: Path):
    try:
        str(directory).encode("utf-8")
    except UnicodeEncodeError:  # TensorBoard's writer encodes its path as UTF-8; Linux names are any bytes
        warnings.warn(f"TensorBoard cannot write under {str(directory)!r} (not a UTF-8 name); metrics go to "
                      "metrics.csv only")
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # TensorBoard is a dependency, but a broken install must not stop training
        warnings.warn("tensorboard is not importable; metrics go to metrics.csv only")
        return None
    return SummaryWriter(str(directory))

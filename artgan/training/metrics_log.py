"""Training metrics to CSV (for people and plots) and TensorBoard (for `tensorboard --logdir runs`)."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path


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
                self.writer.add_scalar(name, value, step)

    def _widen(self, names: list[str]) -> None:
        """Start the file, or rewrite it with extra columns when a new metric (e.g. FID) appears."""
        rows = []
        if self.path.exists() and self.columns:
            with open(self.path, newline="") as file:
                rows = list(csv.DictReader(file))
        self.columns = (self.columns or []) + [n for n in names if n not in (self.columns or [])]
        with open(self.path, "w", newline="") as file:
            writer = csv.DictWriter(file, self.columns)
            writer.writeheader()
            writer.writerows(rows)

    def truncate_after(self, step: int) -> None:
        """Drop rows logged after ``step``: a resumed run redoes them, and must not log them twice."""
        if not self.path.exists():
            return
        with open(self.path, newline="") as file:
            rows = list(csv.reader(file))
        kept = rows[:1] + [r for r in rows[1:] if r and int(r[0]) <= step]
        with open(self.path, "w", newline="") as file:
            csv.writer(file).writerows(kept)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_metrics(run_dir: Path) -> dict[str, tuple[list[int], list[float]]]:
    """metrics.csv as ``{name: (steps, values)}``; a metric logged only now and then (FID) keeps its own steps."""
    path = Path(run_dir) / "metrics.csv"
    series: dict[str, tuple[list[int], list[float]]] = {}
    if not path.exists():
        return series
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            step = int(row.pop("step"))
            for key, value in row.items():
                if value not in ("", None):
                    steps, values = series.setdefault(key, ([], []))
                    steps.append(step)
                    values.append(float(value))
    return series


def _format(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _tensorboard_writer(directory: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # TensorBoard is a dependency, but a broken install must not stop training
        warnings.warn("tensorboard is not importable; metrics go to metrics.csv only")
        return None
    return SummaryWriter(str(directory))

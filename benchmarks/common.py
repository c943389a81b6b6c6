"""What every benchmark shares: the JPEG data set, artgan's trainer on it, and timing."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `python benchmarks/x.py` finds its siblings

from textbook_dcgan import write_jpeg_folder  # noqa: E402

from artgan.data import load_images  # noqa: E402
from artgan.runs.recipe import resolve_config  # noqa: E402
from artgan.training import RunDir, Trainer  # noqa: E402


# The papers' DCGAN recipe, which the benchmarks' figures were measured with: artgan's defaults add
# DiffAugment and dcgan's one-sided label smoothing (the textbook loop has neither).
PLAIN_RECIPE = {"diffaug": False, "label_smoothing": 0.0}


def artgan_config(data_root: Path, size: int, cache_dir: Path, model: str = "dcgan", **train):
    """The textbook's configuration (64 wide, nz 100, batch 64, Adam 2e-4/0.5) in artgan's config."""
    overrides = {
        "data": {"source": str(data_root), "size": size, "channels": 3, "cache_dir": str(cache_dir)},
        "model": {"name": model, "latent_dim": 100, "g_width": 64, "d_width": 64},
        "train": {"batch": 64, **PLAIN_RECIPE, **train},
    }
    return resolve_config(overrides)


def build_trainer(config, run_path: Path) -> tuple[Trainer, float]:
    """artgan's real Trainer on the prepared (cached) data; returns it and the one-off preparation time."""
    start = time.perf_counter()
    data = load_images(config.data, progress=False)
    prepare_seconds = time.perf_counter() - start
    run_path.mkdir(parents=True, exist_ok=True)
    return Trainer(config, RunDir(run_path), data, progress=False), prepare_seconds


def train_artgan(trainer: Trainer, iters: int) -> dict[str, float]:
    """``iters`` iterations of the trainer's own step, then one host sync (as ``fit`` logs); threads
    follow the load as in ``fit`` (``trainer.threads``: a calibrated trainer's watch)."""
    stats = {}
    torch.set_num_threads(trainer.speed.threads)  # a process-wide setting: each trainer's own, while it runs
    for _ in range(iters):
        began = time.perf_counter()
        stats = trainer.train_step()
        trainer.step += 1
        trainer.threads.after_step(trainer.step, time.perf_counter() - began)
    return dict(zip(stats, torch.stack([v.float() for v in stats.values()]).tolist()))


def seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def median(values) -> float:
    return statistics.median(values)


def jpeg_folder(workdir: Path, count: int, size: int) -> Path:
    return write_jpeg_folder(workdir / f"jpeg{size}", count, size)

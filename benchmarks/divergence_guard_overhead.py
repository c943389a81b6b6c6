"""Per-step cost of the divergence guard: no guard vs. guard (finite checks + gradient norms) vs.
guard with --max-grad-norm clipping, on the real training step of DCGAN.

    PYTHONPATH=. python benchmarks/divergence_guard_overhead.py [--size 32] [--batch 64] [--steps 30]

The three settings are timed in interleaved rounds (median of the rounds) so that a machine
shared with other work biases none of them. On a busy machine whole-step differences drown in
noise, so the guard's own work (what it adds to each step, on that step's real losses and
gradients) is also timed alone, best of many repeats, and put beside the best step time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from artgan.config import build_config
from artgan.data import ImageSet
from artgan.runs.run_dir import RunDir
from artgan.training.trainer import Trainer


def make_trainer(size: int, batch: int, max_grad_norm: float, folder: Path) -> Trainer:
    config = build_config({"data": {"size": size}, "train": {"batch": batch, "precision": "fp32",
                                                             "max_grad_norm": max_grad_norm}})
    images = torch.randint(0, 256, (batch * 4, 3, size, size), dtype=torch.uint8)
    return Trainer(config, RunDir(folder), ImageSet(images=images), progress=False)


def switch_off_guard(trainer: Trainer) -> None:
    trainer.guard.watch_losses = lambda stats: None
    trainer.guard.before_step = lambda optimizer: None


def step_time(trainer: Trainer, steps: int) -> float:
    """Seconds per step of what the loop does every step: the update and the guard's watching."""
    start = time.perf_counter()
    for _ in range(steps):
        trainer.guard.watch_losses(trainer.train_step())
    trainer.guard.diverged()  # the one host sync the loop makes per log step
    return (time.perf_counter() - start) / steps


def guard_work_alone(trainer: Trainer, repeats: int = 50) -> float:
    """Seconds the guard adds to one step: loss checks, plus gradient norms of D and G."""
    stats = trainer.train_step()  # leaves both networks' gradients in place
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        trainer.guard.watch_losses(stats)
        trainer.guard.before_step(trainer.opt_d)
        trainer.guard.before_step(trainer.opt_g)
        trainer.guard.diverged()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = {"no guard": make_trainer(args.size, args.batch, 0.0, Path(folder, "a")),
                    "guard": make_trainer(args.size, args.batch, 0.0, Path(folder, "b")),
                    "guard + --max-grad-norm 10": make_trainer(args.size, args.batch, 10.0, Path(folder, "c"))}
        switch_off_guard(settings["no guard"])
        for trainer in settings.values():
            step_time(trainer, 3)  # warm-up
        times = {name: [] for name in settings}
        for _ in range(args.rounds):
            for name, trainer in settings.items():
                times[name].append(step_time(trainer, args.steps))
        alone = {name: guard_work_alone(settings[name]) for name in ("guard", "guard + --max-grad-norm 10")}
    base = statistics.median(times["no guard"])
    print(f"DCGAN {args.size}px, batch {args.batch}, {torch.get_num_threads()} CPU threads, fp32, "
          f"median of {args.rounds} rounds x {args.steps} steps")
    print(f"{'setting':30s} {'ms/step':>9s} {'overhead':>9s}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:30s} {median * 1e3:9.2f} {100 * (median / base - 1):+8.1f}%")
    fastest = min(min(values) for values in times.values())
    for name, seconds in alone.items():
        print(f"{name} alone: {seconds * 1e3:.3f} ms/step = {100 * seconds / fastest:.2f}% of the fastest step "
              f"({fastest * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()

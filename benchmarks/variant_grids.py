"""A sample grid of every GAN variant, trained the same short way, for the README and docs/variants.md.

Each variant trains on the same data (scikit-learn's digits by default: every variant learns
them in minutes on a CPU, and the labelled ones have ten classes) through the real CLI config
path with its own defaults, then its generator (EMA copy where on) draws an 8x8 grid from the
same noise: one class per row (0 to 7) for the conditional models. Prints the time and the final
losses of each run; writes docs/images/variants/<name>.png.

    python benchmarks/variant_grids.py                          # all variants, 600 steps each at 16 px
    python benchmarks/variant_grids.py --data builtin:art --size 32 --steps 3000 --out grids/
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import torch

from common import PLAIN_RECIPE

from artgan.generation import load_generator
from artgan.runs.recipe import resolve_config
from artgan.training import train
from artgan.variants import VARIANTS
from artgan.visual.grid import make_grid, upscale

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "variants"


def grid_config(model: str, data: str, size: int, steps: int, cache_dir: Path):
    overrides = {
        "data": {"source": data, "size": size, "cache_dir": str(cache_dir)},
        "model": {"name": model, "g_width": 32, "d_width": 32},
        "train": {"steps": steps, "batch": 64, **PLAIN_RECIPE, "sample_every": steps, "checkpoint_every": steps, "log_every": 50},
    }
    return resolve_config(overrides)


def last_row(run: Path) -> dict[str, str]:
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    return rows[-1] if rows else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=sorted(VARIANTS))
    parser.add_argument("--data", default="sklearn:digits")
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG grids")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'model':8s} {'minutes':>8s} {'loss_d':>8s} {'loss_g':>8s}  grid")
    with tempfile.TemporaryDirectory() as temp:
        for name in args.models:
            start = time.perf_counter()
            run = train(grid_config(name, args.data, args.size, args.steps, Path(temp) / "cache"),
                        out=Path(temp) / name, progress=not args.quiet)
            minutes = (time.perf_counter() - start) / 60
            model = load_generator(run.path)
            z = model.noise(8, seed=0).repeat(8, 1)  # the same 8 noise vectors in every row
            labels = torch.arange(64) // 8 % len(model.class_names) if model.conditional else None
            path = args.out / f"{name}.png"
            upscale(make_grid(model(z if model.conditional else model.noise(64, seed=0), labels), columns=8)).save(path)
            row = last_row(run.path)
            print(f"{name:8s} {minutes:8.1f} {float(row.get('loss_d', 'nan')):8.3f} {float(row.get('loss_g', 'nan')):8.3f}  {path}")


if __name__ == "__main__":
    main()

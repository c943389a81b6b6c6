"""Sampling speed: `artgan generate` of 1,000 PNGs, the generator alone, and one 64-image grid.

A short real training run makes the run directory (its weights do not change the cost); then
each figure is the median of ``--repeats`` timings.

    python benchmarks/sampling.py --size 64 --n 1000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from common import artgan_config, jpeg_folder, median, seconds

from artgan.cli import main as artgan_main
from artgan.generation import load_generator
from artgan.training import train
from artgan.visual.grid import make_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-sampling-"))
    config = artgan_config(jpeg_folder(workdir, 256, args.size), args.size, workdir / "cache", steps=2,
                           sample_every=1000, checkpoint_every=1000)
    run = train(config, out=workdir / "run", progress=False).path

    model = load_generator(run)
    cli = [seconds(artgan_main, ["generate", str(run), "--n", str(args.n), "--out", str(workdir / "png"), "--quiet"])
           for _ in range(args.repeats)]
    tensors = [seconds(model.sample, args.n) for _ in range(args.repeats)]
    grids = [seconds(lambda: make_grid(model.sample(64), columns=8)) for _ in range(args.repeats)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.size}px DCGAN generator")
    print(f"artgan generate --n {args.n} (load, sample, write PNGs): {median(cli):.2f} s = {args.n / median(cli):.0f} img/s")
    print(f"generator only, {args.n} images:                        {median(tensors):.2f} s = {args.n / median(tensors):.0f} img/s")
    print(f"one 8x8 grid (the app's view):                        {1000 * median(grids):.0f} ms")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s)")

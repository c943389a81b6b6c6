"""Sampling speed: `artgan generate` of 1,000 PNGs, the generator alone, and one 64-image grid.

A short real training run makes the run directory (its weights do not change the cost); then
each figure is the median of ``--repeats`` timings.

    python benchmarks/sampling.py --size 64 --n 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from common import artgan_config, jpeg_folder, median, seconds

from artgan.generation import load_generator
from artgan.training import train
from artgan.visual.grid import make_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="where to sample: cpu or cuda")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-sampling-"))
    config = artgan_config(jpeg_folder(workdir, 256, args.size), args.size, workdir / "cache", steps=2,
                           sample_every=1000, checkpoint_every=1000)
    run = train(config, out=workdir / "run", progress=False).path

    command = [sys.executable, "-m", "artgan", "generate", str(run), "--n", str(args.n), "--out", str(workdir / "png"),
               "--quiet", "--device", args.device]
    whole = [seconds(subprocess.run, command) for _ in range(args.repeats)]  # a fresh process: imports included
    imports = [seconds(subprocess.run, [sys.executable, "-c", "import artgan.cli.generate, artgan.generation"])
               for _ in range(args.repeats)]
    model, exact = load_generator(run, args.device, precision="auto"), load_generator(run, args.device)
    tensors = {m.precision: [seconds(m.sample, args.n) for _ in range(args.repeats)] for m in (model, exact)}
    grids = [seconds(lambda: make_grid(model.sample(64), columns=8)) for _ in range(args.repeats)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.size}px DCGAN generator (64 wide), "
          f"run trained in {json.loads((run / 'run.json').read_text())['speed']['precision']}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"artgan generate --n {args.n}, a fresh process (imports, load, sample, write PNGs): {median(whole):.2f} s")
    print(f"  of which python + imports (import artgan.cli.generate, artgan.generation): {median(imports):.2f} s")
    for name, times in tensors.items():
        print(f"generator only, {args.n} images, {name}: {median(times):.2f} s = {args.n / median(times):.0f} img/s")
    print(f"one 8x8 grid (the app's view): {1000 * median(grids):.0f} ms (load average now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s)")

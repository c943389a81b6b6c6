"""Training images/s with 1 and K processes at the same global batch (torchrun, gloo on CPU, nccl on GPUs).

Each setting is a real `artgan train` from the command line; images/s is the trainer's own figure
(global images per second, read from metrics.csv) averaged over the log rows after the first, so
start-up and the first steps' warm-up are left out. On a CPU, K processes with T threads each
compete with one process given K x T threads for the same cores, so both baselines are printed.

    python benchmarks/distributed.py --size 32 --batch 64 --steps 30 --procs 2
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def images_per_second(run: Path) -> float:
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    return statistics.mean(float(r["images_per_second"]) for r in rows[1:])


def train(workdir: Path, name: str, procs: int, threads: int, args) -> float:
    launcher = [sys.executable] if procs == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                     f"--nproc_per_node={procs}"]
    command = launcher + ["-m", "artgan", "train", "--data", args.data, "--size", str(args.size), "--batch",
                          str(args.batch), "--steps", str(args.steps), "--log-every", str(args.steps // 3),
                          "--sample-every", "100000", "--checkpoint-every", "100000", "--precision", "fp32",
                          "--device", args.device, "--out", str(workdir / name), "--quiet"]
    env = os.environ | {"OMP_NUM_THREADS": str(threads), "ARTGAN_CACHE_DIR": str(workdir / "cache"),
                        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return images_per_second(workdir / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="sklearn:digits")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64, help="global batch, the same in every setting")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per process in the K-process run")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="artgan-ddp-"))
    k, t = args.procs, args.threads
    settings = [(f"1 process x {t} thread(s)", 1, t), (f"1 process x {k * t} threads", 1, k * t),
                (f"{k} processes x {t} thread(s)", k, t)]
    print(f"DCGAN {args.size}px, global batch {args.batch}, {args.steps} steps, {args.data}, {args.device}; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    results = {}
    for i, (label, procs, threads) in enumerate(settings):
        results[label] = train(workdir, f"run{i}", procs, threads, args)
        print(f"  {label:28s} {results[label]:8.1f} images/s")
    base = results[settings[0][0]]
    print(f"  speed-up of {k} processes over 1 process x {t} thread(s): {results[settings[2][0]] / base:.2f}x; "
          f"over 1 process x {k * t} threads: {results[settings[2][0]] / results[settings[1][0]]:.2f}x; "
          f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

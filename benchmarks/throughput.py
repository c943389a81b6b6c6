"""Training images/s: artgan's Trainer against the textbook DCGAN loop, side by side in one run.

For each size, both loops train the same DCGAN (ngf = ndf = 64, nz 100, batch 64, Adam) on the
same JPEG folder, alternating ``--repeats`` timed chunks of ``--iters`` iterations so that a
machine shared with other jobs slows both alike; the ratio is taken per chunk and the median
reported. Also printed: FLOPs per image (torch's flop counter over one artgan iteration) and
the fraction of this machine's measured matmul peak that artgan's loop reaches.

    python benchmarks/throughput.py --sizes 64 32 128 --iters 20 --repeats 3
    python benchmarks/throughput.py --sizes 64 --precision fp32 mixed bf16   # three trainers, in turns
    python benchmarks/throughput.py --sizes 64 --precision fp32 mixed --compile off on
    python benchmarks/throughput.py --sizes 32 --models dcgan mlp     # other variants: artgan only
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from common import artgan_config, build_trainer, jpeg_folder, median, seconds, train_artgan
from textbook_dcgan import TextbookDCGAN


def matmul_peak(dtype: torch.dtype, n: int = 2048, reps: int = 5) -> float:
    """Measured FLOP/s of a large square matmul: the best this machine does in ``dtype``."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    best = min(seconds(torch.matmul, a, b) for _ in range(reps))
    return 2 * n ** 3 / best


def flops_per_image(data_root: Path, size: int, workdir: Path) -> float:
    """torch's flop counter over one iteration of an eager trainer (every setup does the same maths)."""
    config = artgan_config(data_root, size, workdir / "cache", precision="fp32", compile=False)
    trainer, _ = build_trainer(config, workdir / f"flops{size}")
    with FlopCounterMode(display=False) as counter:
        train_artgan(trainer, 1)
    return counter.get_total_flops() / 64


def compare(size: int, args, workdir: Path, peaks: dict) -> list[dict]:
    """The textbook loop and one artgan trainer per ``--precision`` and ``--compile``, timed in turns; a row each."""
    data_root = jpeg_folder(workdir, args.images, size)
    trainers = {}
    for precision, compile in itertools.product(args.precision, args.compile):
        setup = {"compile": compile == "on", **({"precision": precision} if precision else {})}
        config = artgan_config(data_root, size, workdir / "cache", **setup)
        trainers[precision, compile] = build_trainer(config, workdir / f"run{size}-{precision}-{compile}")
    textbook = TextbookDCGAN(data_root, size)
    textbook.train(args.warmup)
    for trainer, _ in trainers.values():
        train_artgan(trainer, args.warmup)  # --compile on: compiles here
    theirs, ours = [], {setup: [] for setup in trainers}
    for _ in range(args.repeats):  # take turns, so background load hits every loop alike
        theirs.append(64 * args.iters / seconds(textbook.train, args.iters))
        for setup, (trainer, _) in trainers.items():
            ours[setup].append(64 * args.iters / seconds(train_artgan, trainer, args.iters))
    flops = flops_per_image(data_root, size, workdir)
    rows = []
    for setup, (trainer, prepare) in trainers.items():
        ratios = [a / b for a, b in zip(ours[setup], theirs)]
        peak = peaks[trainer.precision.dtype]
        rows.append({"size": size, "textbook": median(theirs), "artgan": median(ours[setup]), "ratio": median(ratios),
                     "ratios": ratios, "gflop_per_image": flops / 1e9, "peak_fraction": median(ours[setup]) * flops / peak,
                     "precision": trainer.precision.name + ("+compile" if setup[1] == "on" else ""), "prepare_s": prepare})
    return rows


def variant_speed(model: str, size: int, args, workdir: Path) -> float:
    data_root = jpeg_folder(workdir, args.images, size)
    trainer, _ = build_trainer(artgan_config(data_root, size, workdir / "cache", model=model), workdir / f"{model}{size}")
    train_artgan(trainer, args.warmup)
    per_iteration = trainer.images_per_step
    return median([per_iteration * args.iters / seconds(train_artgan, trainer, args.iters) for _ in range(args.repeats)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 32, 128])
    parser.add_argument("--iters", type=int, default=20, help="iterations per timed chunk")
    parser.add_argument("--repeats", type=int, default=3, help="timed chunks per loop (median reported)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--images", type=int, default=1024, help="JPEGs in the data set")
    parser.add_argument("--models", nargs="+", default=["dcgan"], help="variants to time (dcgan is compared)")
    parser.add_argument("--precision", nargs="+", default=[None],
                        help="artgan's --precision, one trainer each, all timed in turns (default: the trainer's default)")
    parser.add_argument("--compile", nargs="+", default=["off"], choices=("off", "on"),
                        help="artgan's --compile; with both, every precision is timed compiled and not")
    parser.add_argument("--workdir", help="where the JPEGs and cache go (default: a temp dir)")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-bench-"))
    peaks = {dtype: matmul_peak(dtype) for dtype in (torch.float32, torch.bfloat16)}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}, "
          f"matmul peak fp32 {peaks[torch.float32] / 1e9:.0f} GFLOP/s, bf16 {peaks[torch.bfloat16] / 1e9:.0f} GFLOP/s")
    print(f"{'size':>5} {'textbook img/s':>15} {'artgan img/s':>13} {'ratio':>6}  {'per-chunk ratios':<22}"
          f"{'GFLOP/img':>9} {'% peak':>7} {'setup':>14}")
    for size in args.sizes:
        if "dcgan" in args.models:
            for r in compare(size, args, workdir, peaks):
                chunks = " ".join(f"{x:.2f}" for x in r["ratios"])
                print(f"{size:>5} {r['textbook']:>15.1f} {r['artgan']:>13.1f} {r['ratio']:>5.2f}x  {chunks:<22}"
                      f"{r['gflop_per_image']:>9.2f} {100 * r['peak_fraction']:>6.1f}% {r['precision']:>14}", flush=True)
        for model in args.models:
            if model != "dcgan":
                print(f"{size:>5} {model:>15} {variant_speed(model, size, args, workdir):>13.1f}", flush=True)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s, load average now {os.getloadavg()[0]:.1f})")

"""Training images/s: artgan's Trainer against the textbook DCGAN loop, side by side in one run.

For each size, both loops train the same DCGAN (ngf = ndf = 64, nz 100, batch 64, Adam) on the
same JPEG folder, alternating ``--repeats`` timed chunks of ``--iters`` iterations so that a
machine shared with other jobs slows both alike; the ratio is taken per chunk and the median
reported. ``auto`` is artgan's default (settings measured at start); the other precisions are
pinned, channels-last, with each of ``--threads``. ``--busy`` times every loop twice per chunk,
once quiet and once beside a CPU-bound process pinned to core 0 (the textbook's data workers
included), so quiet and busy figures come from the same run. Also printed: FLOPs per image
(torch's flop counter over one artgan iteration), the fraction of this machine's measured
matmul peak each loop reaches, the CPU model and flags, and the load average.

    python benchmarks/throughput.py --sizes 64 32 128 --iters 20 --repeats 3
    python benchmarks/throughput.py --sizes 64 --precision auto fp32 mixed bf16 --threads 2 1 --busy
    python benchmarks/throughput.py --sizes 64 --precision fp32 mixed --compile off on
    python benchmarks/throughput.py --sizes 32 --models dcgan mlp     # other variants: artgan only
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import subprocess
import sys
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
    n = 8192 if device == "cuda" else n  # a GPU needs a bigger product to reach its peak
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    best = min(seconds(torch.matmul, a, b) for _ in range(reps))
    return 2 * n ** 3 / best


def flops_per_image(data_root: Path, size: int, workdir: Path) -> float:
    """torch's flop counter over one iteration of an eager trainer (every setup does the same maths)."""
    config = artgan_config(data_root, size, workdir / "cache", precision="fp32", compile=False, calibrate=False)
    trainer, _ = build_trainer(config, workdir / f"flops{size}")
    with FlopCounterMode(display=False) as counter:
        train_artgan(trainer, 1)
    return counter.get_total_flops() / 64


@contextlib.contextmanager
def competing_process(busy: bool):
    """A CPU-bound Python loop pinned to core 0 while the block runs (nothing when not ``busy``)."""
    if not busy:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=lambda: os.sched_setaffinity(0, {0}))
    try:
        time.sleep(0.2)  # scheduled and spinning before the timing starts
        yield
    finally:
        hog.kill()
        hog.wait()


def setups(args) -> list[tuple]:
    """(precision, threads, layout, compile): auto is calibrated (threads 0 = measured); the others are pinned."""
    found = []
    for precision, compile in itertools.product(args.precision, args.compile):
        pinned = [(0, "auto")] if precision == "auto" else itertools.product(args.threads, args.memory_format)
        found += [(precision, threads, layout, compile) for threads, layout in pinned]
    return found


def setup_options(precision: str, threads: int, layout: str, compile: str) -> dict:
    pinned = {} if precision == "auto" else {"precision": precision, "threads": threads, "memory_format": layout}
    return {"compile": compile == "on", **pinned}


def compare(size: int, args, workdir: Path, peaks: dict) -> list[dict]:
    """The textbook loop and one artgan trainer per setup, timed in turns (quiet, and busy with --busy); a row each."""
    data_root = jpeg_folder(workdir, args.images, size)
    trainers = {}
    for setup in setups(args):
        config = artgan_config(data_root, size, workdir / "cache", **setup_options(*setup))
        trainers[setup] = build_trainer(config, workdir / f"run{size}-{'-'.join(map(str, setup))}")
    textbook = TextbookDCGAN(data_root, size)
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    textbook.train(args.warmup)
    for trainer, _ in trainers.values():
        train_artgan(trainer, args.warmup)  # --compile on: compiles here
    modes = ("quiet", "busy") if args.busy else ("quiet",)
    theirs = {mode: [] for mode in modes}
    ours = {(setup, mode): [] for setup in trainers for mode in modes}
    loads = {mode: [] for mode in modes}
    loops = [None, *trainers]  # None: the textbook
    for repeat in range(args.repeats):  # take turns, so background load hits every loop alike
        # The textbook's DataLoader workers go on decoding a few batches ahead after its chunk: the
        # loop right after it pays for that, so each repeat starts the turn at another loop.
        turn = loops[repeat % len(loops):] + loops[:repeat % len(loops)]
        for mode in modes:
            with competing_process(mode == "busy"):
                loads[mode].append(os.getloadavg()[0])
                for setup in turn:
                    if setup is None:
                        torch.set_num_threads(len(os.sched_getaffinity(0)))  # the textbook's: torch's default
                        theirs[mode].append(64 * args.iters / seconds(textbook.train, args.iters))
                    else:
                        ours[setup, mode].append(64 * args.iters / seconds(train_artgan, trainers[setup][0], args.iters))
    flops = flops_per_image(data_root, size, workdir)
    rows = []
    for mode in modes:
        for setup, (trainer, prepare) in trainers.items():
            rates = ours[setup, mode]
            ratios = [a / b for a, b in zip(rates, theirs[mode])]
            peak = peaks[trainer.precision.dtype]
            name = "auto: " if setup[0] == "auto" else ""
            name += f"{trainer.precision.name} {trainer.speed.threads}t {trainer.speed.memory_format}"
            rows.append({"size": size, "mode": mode, "textbook": median(theirs[mode]), "artgan": median(rates),
                         "ratio": median(ratios), "ratios": ratios, "gflop_per_image": flops / 1e9,
                         "peak_fraction": median(rates) * flops / peak, "load": median(loads[mode]),
                         "setup": name + (" +compile" if setup[3] == "on" else ""), "prepare_s": prepare})
    return rows


def cpu_description() -> str:
    """Model name and the flags that decide precision (bf16 arithmetic, AMX, AVX-512, AVX2)."""
    model, flags = platform.processor() or "unknown CPU", set()
    with contextlib.suppress(OSError):
        text = Path("/proc/cpuinfo").read_text()
        model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), model)
        flags = set(next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), []))
    wanted = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if f in flags]
    return f"{model}, {len(os.sched_getaffinity(0))} cores, flags: {' '.join(wanted) or 'none of avx2/avx512/amx'}"


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
    parser.add_argument("--precision", nargs="+", default=["auto"],
                        help="artgan's --precision, one trainer each, all timed in turns (auto: the default, calibrated)")
    parser.add_argument("--threads", type=int, nargs="+", default=[len(os.sched_getaffinity(0))],
                        help="thread counts of the pinned (non-auto) precisions, one trainer each")
    parser.add_argument("--memory-format", nargs="+", default=["channels-last"], choices=("channels-last", "contiguous"),
                        help="tensor layouts of the pinned precisions, one trainer each")
    parser.add_argument("--busy", action="store_true",
                        help="also time every loop beside a CPU-bound process on core 0, in the same run")
    parser.add_argument("--compile", nargs="+", default=["off"], choices=("off", "on"),
                        help="artgan's --compile; with both, every precision is timed compiled and not")
    parser.add_argument("--workdir", help="where the JPEGs and cache go (default: a temp dir)")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-bench-"))
    peaks = {dtype: matmul_peak(dtype) for dtype in (torch.float32, torch.bfloat16)}
    print(f"{cpu_description()}; torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}, "
          f"matmul peak fp32 {peaks[torch.float32] / 1e9:.0f} GFLOP/s, bf16 {peaks[torch.bfloat16] / 1e9:.0f} GFLOP/s")
    print(f"{'size':>5} {'mode':>5} {'load':>5} {'textbook img/s':>15} {'artgan img/s':>13} {'ratio':>6}  "
          f"{'per-chunk ratios':<22}{'GFLOP/img':>9} {'% peak':>7}  setup")
    for size in args.sizes:
        if "dcgan" in args.models:
            for r in compare(size, args, workdir, peaks):
                chunks = " ".join(f"{x:.2f}" for x in r["ratios"])
                print(f"{size:>5} {r['mode']:>5} {r['load']:>5.1f} {r['textbook']:>15.1f} {r['artgan']:>13.1f} "
                      f"{r['ratio']:>5.2f}x  {chunks:<22}{r['gflop_per_image']:>9.2f} {100 * r['peak_fraction']:>6.1f}%  "
                      f"{r['setup']}", flush=True)
        for model in args.models:
            if model != "dcgan":
                print(f"{size:>5} {model:>15} {variant_speed(model, size, args, workdir):>13.1f}", flush=True)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s, load average now {os.getloadavg()[0]:.1f})")

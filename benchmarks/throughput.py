"""Training images/s: artgan's Trainer against the textbook DCGAN loop, side by side in one run.

For each size, both loops train the same DCGAN (ngf = ndf = 64, nz 100, batch 64, Adam) on the
same JPEG folder, alternating ``--repeats`` timed chunks of ``--iters`` iterations so that a
machine shared with other jobs slows both alike; the ratio is taken per chunk and the median
reported. ``auto`` is artgan's default (settings measured at start, threads measured again when
the load changes); the other precisions are pinned, channels-last, with each of ``--threads``.
``--busy`` adds a second phase in which a CPU-bound process pinned to core 0 runs throughout (the
textbook's data workers included), so quiet and busy figures come from the same run; every loop
first trains ``--settle`` seconds untimed in each phase. Also printed: FLOPs per image (torch's
flop counter over one artgan iteration), the fraction of this machine's peak each loop reaches
(in its precision and thread count, measured at start: a large matmul's FLOP/s, and the best of
that and a large convolution's), the CPU model and flags, the load average, and the calibrated trainer's switches.

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
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from common import artgan_config, build_trainer, jpeg_folder, median, seconds, train_artgan
from textbook_dcgan import TextbookDCGAN

from artgan.training.calibration import thread_counts


def peak_flops(dtype: torch.dtype, threads: int, reps: int = 5) -> tuple[float, float]:
    """FLOP/s of a large matmul and of a large convolution in ``dtype`` on ``threads``, each the fastest of
    ``reps`` calls after a warm-up (oneDNN's convolutions outrun its matmul: the matmul is no ceiling)."""
    torch.set_num_threads(threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    n = 8192 if device == "cuda" else 2048  # a GPU needs a bigger product to reach its peak
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    x = torch.randn(64, 256, 16, 16, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(256, 256, 4, 4, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    conv_flops = 2 * 64 * 256 * 15 * 15 * 256 * 16  # 4x4 kernel, padding 1: 15x15 outputs
    rates = []
    for flops, product in ((2 * n ** 3, lambda: a @ b), (conv_flops, lambda: F.conv2d(x, w, padding=1))):
        product()
        rates.append(flops / min(seconds(product) for _ in range(reps)))
    return rates[0], rates[1]


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
    """The textbook loop and one artgan trainer per setup, timed in turns (quiet, then busy with --busy); a row each.

    Each mode is one phase: with --busy the competing process runs through the whole busy phase, as a
    user's other job would, and every loop first trains ``--settle`` seconds untimed in it, so the
    calibrated trainer's watch has seen the new load and re-measured (the switches it made are printed).
    """
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
    loads, threads_after = {mode: [] for mode in modes}, {}
    loops = [None, *trainers]  # None: the textbook
    for mode in modes:
        with competing_process(mode == "busy"):
            switched = {setup: len(trainer.speed.switches) for setup, (trainer, _) in trainers.items()}
            for setup in loops:
                train_loop(setup, textbook, trainers, args.settle)
            for repeat in range(args.repeats):  # take turns, so background load hits every loop alike
                # The textbook's DataLoader workers go on decoding a few batches ahead after its chunk: the
                # loop right after it pays for that, so each repeat starts the turn at another loop.
                loads[mode].append(os.getloadavg()[0])
                for setup in loops[repeat % len(loops):] + loops[:repeat % len(loops)]:
                    rate = 64 * args.iters / seconds(train_loop, setup, textbook, trainers, 0, args.iters)
                    (theirs[mode] if setup is None else ours[setup, mode]).append(rate)
            for setup, (trainer, _) in trainers.items():
                threads_after[setup, mode] = trainer.speed.threads
                for switch in trainer.speed.switches[switched[setup]:]:
                    print(f"      {mode}: {describe(setup)} switched from {switch['was']} to {switch['threads']} "
                          f"threads at step {switch['step']} (measured img/s {switch['measured']})", flush=True)
    flops = flops_per_image(data_root, size, workdir)
    rows = []
    for mode in modes:
        for setup, (trainer, prepare) in trainers.items():
            rates = ours[setup, mode]
            ratios = [a / b for a, b in zip(rates, theirs[mode])]
            threads = threads_after[setup, mode]
            matmul, convolution = peaks[trainer.precision.dtype, threads]
            name = ("auto: " if setup[0] == "auto" else "") + f"{trainer.precision.name} {threads}t {trainer.speed.memory_format}"
            rows.append({"size": size, "mode": mode, "textbook": median(theirs[mode]), "artgan": median(rates),
                         "ratio": median(ratios), "ratios": ratios, "gflop_per_image": flops / 1e9,
                         "matmul_fraction": median(rates) * flops / matmul,
                         "kernel_fraction": median(rates) * flops / max(matmul, convolution), "load": median(loads[mode]),
                         "setup": name + (" +compile" if setup[3] == "on" else ""), "prepare_s": prepare})
    return rows


def train_loop(setup, textbook, trainers, seconds_: float, iters: int = 0) -> None:
    """``iters`` iterations of one loop (None: the textbook), or as many as fit in ``seconds_``."""
    if setup is None:
        torch.set_num_threads(len(os.sched_getaffinity(0)))  # the textbook's: torch's default
    step = (lambda n: textbook.train(n)) if setup is None else (lambda n: train_artgan(trainers[setup][0], n))
    if iters:
        return step(iters)
    began = time.perf_counter()
    while time.perf_counter() - began < seconds_:
        step(1)


def describe(setup) -> str:
    return "auto" if setup[0] == "auto" else f"{setup[0]} {setup[1]}t {setup[2]}"


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
    parser.add_argument("--settle", type=float, default=12.0,
                        help="seconds every loop trains untimed at the start of each mode (the default's watch "
                             "needs two 3-second windows to see a new load)")
    parser.add_argument("--compile", nargs="+", default=["off"], choices=("off", "on"),
                        help="artgan's --compile; with both, every precision is timed compiled and not")
    parser.add_argument("--workdir", help="where the JPEGs and cache go (default: a temp dir)")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-bench-"))
    counts = sorted({*args.threads, *thread_counts()})
    dtypes = (torch.float32, torch.bfloat16, *((torch.float16,) if torch.cuda.is_available() else ()))
    peaks = {(dtype, n): peak_flops(dtype, n) for dtype in dtypes for n in counts}
    names = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
    shown = ", ".join(f"{names[d]} {n}t {m / 1e9:.0f} / {c / 1e9:.0f}" for (d, n), (m, c) in peaks.items())
    print(f"{cpu_description()}; torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}; "
          f"GFLOP/s of a large matmul / a large convolution, at start: {shown}")
    print(f"{'size':>5} {'mode':>5} {'load':>5} {'textbook img/s':>15} {'artgan img/s':>13} {'ratio':>6}  "
          f"{'per-chunk ratios':<22}{'GFLOP/img':>9} {'% matmul':>8} {'% best':>7}  setup")
    for size in args.sizes:
        if "dcgan" in args.models:
            for r in compare(size, args, workdir, peaks):
                chunks = " ".join(f"{x:.2f}" for x in r["ratios"])
                print(f"{size:>5} {r['mode']:>5} {r['load']:>5.1f} {r['textbook']:>15.1f} {r['artgan']:>13.1f} "
                      f"{r['ratio']:>5.2f}x  {chunks:<22}{r['gflop_per_image']:>9.2f} {100 * r['matmul_fraction']:>7.1f}% "
                      f"{100 * r['kernel_fraction']:>6.1f}%  "
                      f"{r['setup']}", flush=True)
        for model in args.models:
            if model != "dcgan":
                print(f"{size:>5} {model:>15} {variant_speed(model, size, args, workdir):>13.1f}", flush=True)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s, load average now {os.getloadavg()[0]:.1f})")

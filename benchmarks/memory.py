"""WikiArt's scale in bounded memory: preparation time on 1 and on all cores, peak RSS while training.

The benchmark writes a synthetic JPEG folder: ``--distinct`` painted JPEGs hard-linked under
``--images`` names, so every name is decoded as its own file without painting 100,000 pictures
first. Each phase is a fresh process, so that each peak belongs to one phase:

1. prepare with ``--workers 1``, then with one worker per core (each into its own cache), timed;
2. train DCGAN (the textbook's 64-wide nets, batch 64) from the prepared, memory-mapped cache
   for ``--steps`` steps and report the peak resident set (target: under 2 GiB at 100,000 x 128 px,
   whose uint8 images alone are 4.6 GiB).

    python benchmarks/memory.py --images 100000 --size 128 --steps 20
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from common import artgan_config, build_trainer, jpeg_folder, train_artgan

from artgan.data import load_images

GIB = 2 ** 30
CORES = len(os.sched_getaffinity(0))


def linked_folder(workdir: Path, images: int, distinct: int, size: int) -> Path:
    source = jpeg_folder(workdir, distinct, 2 * size)  # larger than the target: preparation really resizes
    files = sorted(source.rglob("*.jpg"))
    root = workdir / f"linked{images}-{size}"
    for i in range(images):
        path = root / files[i % len(files)].parent.name / f"{i:06d}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(files[i % len(files)], path)
    return root


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def prepare_phase(root: Path, workdir: Path, size: int, workers: int) -> None:
    config = artgan_config(root, size, workdir / f"cache-workers{workers}").data
    config.workers = workers
    start, cpu = time.perf_counter(), time.process_time()
    data = load_images(config, progress=False)
    seconds = time.perf_counter() - start
    workers_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime"))
    print(f"prepare, {workers} worker(s): {len(data)} images in {seconds:.1f} s "
          f"({len(data) / seconds:.0f} img/s), CPU {time.process_time() - cpu:.1f} s here + {workers_cpu:.1f} s in "
          f"workers, peak RSS "
          f"{peak_rss_bytes() / GIB:.2f} GiB, load average {os.getloadavg()[0]:.1f}", flush=True)


def train_phase(root: Path, workdir: Path, size: int, steps: int) -> None:
    config = artgan_config(root, size, workdir / f"cache-workers{CORES}", precision="fp32", calibrate=False)
    trainer, prepare = build_trainer(config, workdir / "run")
    after_data = peak_rss_bytes()
    start = time.perf_counter()
    train_artgan(trainer, steps)
    images = trainer.sampler.images
    print(f"train from the memory-mapped cache ({tuple(images.shape)}, {images.numel() / GIB:.2f} GiB of uint8): "
          f"data ready in {prepare:.1f} s, peak RSS after data {after_data / GIB:.2f} GiB, after {steps} steps "
          f"{peak_rss_bytes() / GIB:.2f} GiB ({time.perf_counter() - start:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f})", flush=True)
    if torch.cuda.is_available():
        print(f"  GPU memory: peak allocated {torch.cuda.max_memory_allocated() / GIB:.2f} GiB, "
              f"reserved {torch.cuda.max_memory_reserved() / GIB:.2f} GiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--distinct", type=int, default=600, help="painted JPEGs behind the hard links")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workdir")
    parser.add_argument("--phase", choices=("prepare", "train"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-memory-"))
    root = linked_folder(workdir, args.images, args.distinct, args.size)
    if args.phase == "prepare":
        return prepare_phase(root, workdir, args.size, args.workers)
    if args.phase == "train":
        return train_phase(root, workdir, args.size, args.steps)
    common = [sys.executable, __file__, "--workdir", str(workdir), "--images", str(args.images), "--size",
              str(args.size), "--distinct", str(args.distinct), "--steps", str(args.steps)]
    for workers in (1, CORES):
        # Each phase starts with nothing of the other's in flight: the serial cache's gigabytes still being
        # written back, or filling the page cache, would make this phase's writes reclaim memory first.
        shutil.rmtree(workdir / "cache-workers1", ignore_errors=True)
        os.sync()
        subprocess.run(common + ["--phase", "prepare", "--workers", str(workers)], check=True)
    subprocess.run(common + ["--phase", "train"], check=True)


if __name__ == "__main__":
    main()

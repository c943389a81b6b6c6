"""Peak resident memory of training DCGAN 64x64 on a 50,000-image folder (target: under 2 GiB).

Two fresh processes, so that each peak belongs to one phase: the first run decodes every JPEG
into the uint8 cache and trains, the second reads the cache and trains. The folder holds
``--distinct`` painted JPEGs hard-linked under ``--images`` names: every name is decoded as its
own file, without painting 50,000 pictures first.

    python benchmarks/memory.py --images 50000 --steps 20
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import artgan_config, build_trainer, jpeg_folder, train_artgan

GIB = 2 ** 30


def linked_folder(workdir: Path, images: int, distinct: int, size: int) -> Path:
    source = jpeg_folder(workdir, distinct, size)
    files = sorted(source.rglob("*.jpg"))
    root = workdir / f"linked{images}"
    for i in range(images):
        path = root / files[i % len(files)].parent.name / f"{i:06d}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(files[i % len(files)], path)
    return root


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def phase(root: Path, workdir: Path, steps: int) -> None:
    """One training process: prepare (or read) the data set, train ``steps``, print the peak RSS."""
    start = time.perf_counter()
    trainer, prepare = build_trainer(artgan_config(root, 64, workdir / "cache"), workdir / "run")
    after_data = peak_rss_bytes()
    train_artgan(trainer, steps)
    print(f"{len(trainer.sampler.images)} images, data ready in {prepare:.0f} s, peak RSS after data "
          f"{after_data / GIB:.2f} GiB, after {steps} steps {peak_rss_bytes() / GIB:.2f} GiB "
          f"({time.perf_counter() - start:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--distinct", type=int, default=600, help="painted JPEGs behind the hard links")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workdir")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="artgan-memory-"))
    root = linked_folder(workdir, args.images, args.distinct, 64)
    if args.phase:
        phase(root, workdir, args.steps)
        return
    for name in ("first run (decode + cache)", "second run (from the cache)"):
        print(f"{name}: ", end="", flush=True)
        subprocess.run([sys.executable, __file__, "--phase", "--workdir", str(workdir), "--images", str(args.images),
                        "--distinct", str(args.distinct), "--steps", str(args.steps)], check=True)


if __name__ == "__main__":
    main()

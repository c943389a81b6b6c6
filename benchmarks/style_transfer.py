"""Seconds per stylized image: AdaIN (fast) and Gatys (full), at 256 and 512 px, fp32 and bf16.

Timings do not depend on the weights, so this runs offline with random VGG-19 weights and an
untrained decoder: the same layers, shapes and arithmetic as with the ImageNet weights.
Full mode is timed over --steps loss evaluations (one VGG forward + backward each) and reported
per evaluation and per image at --full-steps evaluations (the CLI default, 200).

    python benchmarks/style_transfer.py                      # a few minutes on 2 CPU cores
    python benchmarks/style_transfer.py --sizes 256 --steps 3 --precisions fp32
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from PIL import Image
from skimage import data

from artgan.style.adain import AdaIN
from artgan.style.gatys import gatys_transfer
from artgan.style.io import image_to_tensor
from artgan.style.settings import GatysSettings
from artgan.style.transfer import autocast_for
from artgan.style.vgg import random_vgg


def time_adain(model: AdaIN, content: torch.Tensor, style: torch.Tensor, autocast, repeats: int) -> float:
    times = []
    for _ in range(repeats + 1):  # the first call warms up allocators and kernels
        started = time.perf_counter()
        with torch.no_grad(), autocast():
            model(content, [style])
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def time_gatys(vgg, content: torch.Tensor, style: torch.Tensor, autocast, steps: int) -> float:
    gatys_transfer(vgg, content, [style], GatysSettings(steps=1), show_bar=False, autocast=autocast)  # warm-up
    started = time.perf_counter()
    _, history = gatys_transfer(vgg, content, [style], GatysSettings(steps=steps), show_bar=False, autocast=autocast)
    return (time.perf_counter() - started) / len(history)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="256,512", help="output long sides, comma-separated")
    parser.add_argument("--precisions", default="fp32,bf16", help="fp32 and/or bf16 (autocast)")
    parser.add_argument("--steps", type=int, default=5, help="full-mode loss evaluations to time")
    parser.add_argument("--full-steps", type=int, default=200, help="evaluations per image to extrapolate to")
    parser.add_argument("--repeats", type=int, default=3, help="timed AdaIN passes (median)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    vgg = random_vgg(seed=0)
    model = AdaIN(vgg).eval()
    photo, painting = Image.fromarray(data.astronaut()), Image.fromarray(data.coffee())
    print(f"CPU, {torch.get_num_threads()} threads, torch {torch.__version__}; random weights (timing only)")
    print(f"{'size':>6} {'precision':>9} {'fast s/image':>13} {'full s/eval':>12} {f'full s/image ({args.full_steps} evals)':>26}")
    for size in map(int, args.sizes.split(",")):
        content, style = image_to_tensor(photo, size), image_to_tensor(painting, size)
        for precision in args.precisions.split(","):
            autocast = autocast_for(precision, device)
            fast = time_adain(model, content, style, autocast, args.repeats)
            per_eval = time_gatys(vgg, content, style, autocast, args.steps)
            print(f"{size:>6} {precision:>9} {fast:>13.3f} {per_eval:>12.3f} {per_eval * args.full_steps:>26.1f}", flush=True)


if __name__ == "__main__":
    main()

"""Where the time goes: G and D forward + backward alone, per precision and memory format.

This is the measurement behind ``precision: auto`` (artgan/training/precision.py): each network
is timed in fp32, under bf16 autocast and in ``mixed`` (bf16 with fp32 weight gradients),
contiguous and channels-last, with the batch and widths of the textbook DCGAN; the six variants
of one network are interleaved and repeated, and the median is printed.

    python benchmarks/networks.py --size 64 --repeats 5
"""

from __future__ import annotations

import argparse
import itertools

import torch

from common import median, seconds

from artgan.models import DCGANDiscriminator, DCGANGenerator
from artgan.training.precision import Precision

FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}
PRECISIONS = ("fp32", "bf16", "mixed")  # artgan's --precision: mixed is bf16, fp32 weight gradients


def autocast(precision: str):
    return Precision(precision, torch.device("cpu")).autocast()


def generator_pass(G, z, precision):
    with autocast(precision):
        out = G(z)
    out.float().square().mean().backward()


def discriminator_pass(D, x, precision):
    with autocast(precision):
        out = D(x)
    out.float().mean().backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    cases = {}
    for precision, (fname, fmt) in itertools.product(PRECISIONS, FORMATS.items()):
        G = DCGANGenerator(100, 3, args.size).to(memory_format=fmt)
        D = DCGANDiscriminator(3, args.size).to(memory_format=fmt)
        z = torch.randn(args.batch, 100)
        x = torch.randn(args.batch, 3, args.size, args.size).contiguous(memory_format=fmt).requires_grad_()
        cases[("G", precision, fname)] = (generator_pass, G, z, precision)
        cases[("D", precision, fname)] = (discriminator_pass, D, x, precision)
    for fn, net, inp, precision in cases.values():
        fn(net, inp, precision)  # warm-up: oneDNN picks and caches its kernels
    times = {key: [] for key in cases}
    for _ in range(args.repeats):
        for key, (fn, net, inp, precision) in cases.items():
            times[key].append(seconds(fn, net, inp, precision))
    print(f"{args.size}px, batch {args.batch}, {torch.get_num_threads()} threads: forward + backward, ms (median of {args.repeats})")
    for net in ("G", "D"):
        row = "  ".join(f"{d}/{f}: {1000 * median(times[(net, d, f)]):6.0f}" for d in PRECISIONS for f in FORMATS)
        print(f"{net}  {row}")


if __name__ == "__main__":
    main()

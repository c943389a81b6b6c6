"""Floor, model and ceiling of every metric on sklearn:digits and builtin:art (docs/evaluation.md).

Trains a run per case (or reuses one given with --run NAME=DIR), then runs `artgan evaluate` in
domain features and prints FID, KID, IS, precision and recall for the average-image and noise
floors, the model, and the real held-out ceiling; for the conditional case also GAN-train/GAN-test.

    python benchmarks/evaluation_floor_ceiling.py                 # trains all three (minutes on CPU)
    python benchmarks/evaluation_floor_ceiling.py --run art=runs/dcgan-builtin-art-32px --only art
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import PLAIN_RECIPE

from artgan.config import build_config
from artgan.evaluation.classifier import format_gan_train_test
from artgan.evaluation.evaluate import evaluate, format_table
from artgan.training import train

# The plain DCGAN recipe these figures were measured with (docs/evaluation.md), not today's defaults.
PLAIN = {"model": {"g_width": 64, "d_width": 64}, "train": {"steps": 1500, "batch": 64, **PLAIN_RECIPE}}
CASES = {
    "digits": {"data": {"source": "sklearn:digits", "size": 16}, **PLAIN},
    "art": {"data": {"source": "builtin:art", "size": 32}, **PLAIN},
    "digits-cdcgan": {"data": {"source": "sklearn:digits", "size": 16},
                      "model": {**PLAIN["model"], "name": "cdcgan"}, "train": PLAIN["train"]},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="append", default=[], metavar="NAME=DIR",
                        help=f"evaluate this run for case NAME ({', '.join(CASES)}) instead of training one")
    parser.add_argument("--only", action="append", choices=list(CASES), help="run only these cases")
    parser.add_argument("--steps", type=int, help="training steps of the runs trained here (default 1500)")
    parser.add_argument("--n", type=int, default=1000, help="images per row")
    parser.add_argument("--out", default="runs/benchmark-evaluation", help="where runs trained here go")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.run)
    for name, overrides in CASES.items():
        if args.only and name not in args.only:
            continue
        run = given.get(name)
        if run is None:
            if args.steps:
                overrides["train"]["steps"] = args.steps
            started = time.perf_counter()
            run = Path(args.out) / name
            if not (run / "checkpoints").is_dir():
                train(build_config(overrides), out=run, progress=False)
            print(f"[{name}] trained {overrides['train']['steps']} steps in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        result = evaluate(run, "domain", n=args.n)
        accuracy = result["classifier"]["held_out_accuracy"]
        print(f"\n== {name}: {result['model']} at step {result['step']}, {result['n']} images per row, "
              f"{result['features']} (classifier held-out accuracy {accuracy:.1%}), {time.perf_counter() - started:.0f} s")
        print(format_table(result))
        if "gan_train_test" in result:
            print("GAN-test / GAN-train:\n" + format_gan_train_test(result["gan_train_test"]))
        memorisation = result["memorisation"]
        print(f"memorisation: median nearest-training distance {memorisation['median_sample_distance']:.3g} (samples) "
              f"vs {memorisation['median_held_out_distance']:.3g} (real held-out); copy rate {memorisation['copy_rate']:.1%}\n")


if __name__ == "__main__":
    main()

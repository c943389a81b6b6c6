"""Floor, model and ceiling of every metric on sklearn:digits and builtin:art (docs/evaluation.md).

Trains a run per data set (or reuses one given with --digits-run / --art-run), then runs
`artgan evaluate` in domain features and prints FID, KID, IS, precision and recall for the
average-image and noise floors, the model, and the real held-out ceiling.

    python benchmarks/evaluation_floor_ceiling.py                 # trains both (minutes on CPU)
    python benchmarks/evaluation_floor_ceiling.py --art-run runs/dcgan-builtin-art-32px
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from artgan.config import build_config
from artgan.evaluation.evaluate import evaluate, format_table
from artgan.training import train

DATA_SETS = {
    "digits": {"data": {"source": "sklearn:digits", "size": 16}, "train": {"steps": 1500, "batch": 64}},
    "art": {"data": {"source": "builtin:art", "size": 32}, "train": {"steps": 1500, "batch": 64}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digits-run", help="evaluate this run instead of training one on sklearn:digits")
    parser.add_argument("--art-run", help="evaluate this run instead of training one on builtin:art")
    parser.add_argument("--steps", type=int, help="training steps of the runs trained here (default 1500)")
    parser.add_argument("--n", type=int, default=1000, help="images per row")
    parser.add_argument("--out", default="runs/benchmark-evaluation", help="where runs trained here go")
    args = parser.parse_args()
    for name, overrides in DATA_SETS.items():
        run = getattr(args, f"{name}_run")
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
        memorisation = result["memorisation"]
        print(f"memorisation: median nearest-training distance {memorisation['median_sample_distance']:.3g} (samples) "
              f"vs {memorisation['median_held_out_distance']:.3g} (real held-out); copy rate {memorisation['copy_rate']:.1%}\n")


if __name__ == "__main__":
    main()

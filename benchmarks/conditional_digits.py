"""Do the conditional GANs draw the digit they are asked for? (the conditional-digits table of docs/variants.md)

Trains each conditional variant (cdcgan, acgan by default) on scikit-learn's digits through the
real CLI config path, asks its generator for N images of every class, and has a logistic
regression trained on the real digits (at the same size) judge them. Prints, per model:
class accuracy of the samples (the judge's accuracy on held-out real digits is the ceiling),
and diversity: how many distinct images per class, and the mean pairwise distance between
samples of one class relative to that between real digits of that class (1.0 = as varied as
the data; near 0 = one image per class).

    python benchmarks/conditional_digits.py                     # ~ a few minutes per model on 2 CPU cores
    python benchmarks/conditional_digits.py --models cdcgan --steps 400 --per-class 20
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from common import PLAIN_RECIPE

from artgan.data import load_images
from artgan.generation import load_generator
from artgan.runs.recipe import resolve_config
from artgan.training import train


def digits_config(model: str, size: int, steps: int, cache_dir: Path, seed: int):
    overrides = {
        "data": {"source": "sklearn:digits", "size": size, "cache_dir": str(cache_dir)},
        "model": {"name": model, "latent_dim": 32, "g_width": 32, "d_width": 32},
        "train": {"steps": steps, "batch": 64, "seed": seed, **PLAIN_RECIPE, "sample_every": max(steps // 4, 1),
                  "checkpoint_every": steps, "log_every": 50},
    }
    return resolve_config(overrides)


def flat(images: torch.Tensor) -> np.ndarray:
    return images.float().div(255).flatten(1).numpy()


def train_judge(images: torch.Tensor, labels: torch.Tensor, seed: int) -> tuple[LogisticRegression, float]:
    """Logistic regression on real digits; returns it and its accuracy on a held-out quarter."""
    x_train, x_test, y_train, y_test = train_test_split(flat(images), labels.numpy(), test_size=0.25,
                                                        random_state=seed, stratify=labels.numpy())
    judge = LogisticRegression(max_iter=3000).fit(x_train, y_train)
    return judge, float(judge.score(x_test, y_test))


def mean_pairwise_distance(x: np.ndarray) -> float:
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(x), 1)].mean())


def score(run_path: Path, judge, real_images: torch.Tensor, real_labels: torch.Tensor, per_class: int, seed: int) -> dict:
    model = load_generator(run_path)
    correct, distinct, spread = [], [], []
    for index in range(len(model.class_names)):
        images = model(model.noise(per_class, seed + index), torch.full((per_class,), index))
        correct.append((judge.predict(flat(images)) == index).mean())
        distinct.append(len({bytes(image.numpy()) for image in images}))
        real = flat(real_images[real_labels == index][:per_class])
        spread.append(mean_pairwise_distance(flat(images)) / mean_pairwise_distance(real))
    return {"accuracy": float(np.mean(correct)), "worst_class_accuracy": float(np.min(correct)),
            "distinct_per_class": float(np.mean(distinct)), "diversity_vs_real": float(np.mean(spread))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["cdcgan", "acgan"])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--per-class", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="keep the runs here (default: a temporary folder)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    with tempfile.TemporaryDirectory() as temp:
        root = args.out or Path(temp)
        real = load_images(digits_config("cdcgan", args.size, 1, root / "cache", args.seed).data, progress=False)
        judge, ceiling = train_judge(real.images, real.labels, args.seed)
        print(f"judge: logistic regression on real {args.size}px digits, held-out accuracy {ceiling:.3f}")
        print(f"{'model':8s} {'steps':>6s} {'minutes':>8s} {'accuracy':>9s} {'worst':>6s} {'distinct':>9s} {'diversity':>10s}")
        for name in args.models:
            start = time.perf_counter()
            config = digits_config(name, args.size, args.steps, root / "cache", args.seed)
            run = train(config, out=root / name, progress=not args.quiet)
            minutes = (time.perf_counter() - start) / 60
            s = score(run.path, judge, real.images, real.labels, args.per_class, args.seed)
            print(f"{name:8s} {args.steps:6d} {minutes:8.1f} {s['accuracy']:9.3f} {s['worst_class_accuracy']:6.2f} "
                  f"{s['distinct_per_class']:5.0f}/{args.per_class:<3d} {s['diversity_vs_real']:10.2f}")


if __name__ == "__main__":
    main()

"""Fidelity and variety of a sample set against real images, overall and class by class.

One place computes the figures that `artgan evaluate`, the training-time tracker and
benchmarks/quality.py print, so a number means the same thing in each. Fidelity: FID, KID,
precision, density. Variety: recall, coverage, and for each class the diversity ratio, because a
conditional model can draw every class recognisably (high class accuracy) with one image per class.
"""

from __future__ import annotations

import torch

from artgan.evaluation.metrics import density_coverage, fid, kid, mean_pairwise_distance, precision_recall


def set_scores(real: torch.Tensor, fake: torch.Tensor, kid_subsets: int = 100) -> dict[str, float]:
    """FID, KID (mean and std), precision/recall (k=3) and density/coverage (k=5) of ``fake``
    feature vectors against ``real`` ones; the k-NN figures use smaller k on tiny sets."""
    kid_mean, kid_std = kid(real, fake, subsets=kid_subsets)
    precision, recall = precision_recall(real, fake, k=min(3, len(real) - 1, len(fake) - 1))
    density, coverage = density_coverage(real, fake, k=min(5, len(real) - 1))
    return {"fid": fid(real, fake), "kid": kid_mean, "kid_std": kid_std, "precision": precision, "recall": recall,
            "density": density, "coverage": coverage}


def diversity_ratio(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Spread of the samples over the spread of the real images (mean pairwise feature distance):
    about 1 when as varied as the data, near 0 when one image is repeated."""
    return mean_pairwise_distance(fake) / max(mean_pairwise_distance(real), 1e-12)


def class_variety(real: torch.Tensor, real_labels: torch.Tensor, fake: torch.Tensor, fake_labels: torch.Tensor,
                  class_names: list[str], fake_predictions: torch.Tensor | None = None) -> dict[str, dict[str, float]]:
    """For each class: its samples against that class's real images (precision, recall, density,
    coverage, diversity ratio, KID) and, given a real-trained classifier's ``fake_predictions``,
    the share of the class's samples it recognises as that class (GAN-test accuracy)."""
    rows = {}
    for index, name in enumerate(class_names):
        real_c, fake_c = real[real_labels == index], fake[fake_labels == index]
        if len(real_c) < 3 or len(fake_c) < 3:
            continue  # too few images of this class for any neighbour-based figure
        row = set_scores(real_c, fake_c, kid_subsets=20)
        row["diversity"] = diversity_ratio(real_c, fake_c)
        if fake_predictions is not None:
            row["accuracy"] = (fake_predictions[fake_labels == index] == index).double().mean().item()
        rows[name] = row
    return rows


def mean_over_classes(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    """The unweighted mean of every per-class figure (each class counts once, as in the targets)."""
    keys = set.intersection(*(set(row) for row in rows.values())) if rows else set()
    return {key: sum(row[key] for row in rows.values()) / len(rows) for key in sorted(keys)}

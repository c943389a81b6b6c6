"""Did the generator copy its training images? Nearest training neighbours of samples, in feature space.

Two views: the samples closest to a training image, each beside its nearest training images (a
copy is obvious by eye), and the distribution of sample-to-nearest-training-image distances
against that of real held-out images (a memorising generator has a spike near zero that the
held-out images, which are new to the reference set, do not have).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from artgan.evaluation.features import Features


def nearest_neighbours(query: torch.Tensor, support: torch.Tensor, k: int = 1, chunk: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean distances (N, k) and indices (N, k) of each query row's k nearest support rows."""
    distances, indices = [], []
    for start in range(0, len(query), chunk):
        d, i = torch.cdist(query[start:start + chunk].double(), support.double()).topk(k, dim=1, largest=False)
        distances.append(d)
        indices.append(i)
    return torch.cat(distances), torch.cat(indices)


@dataclass
class MemorisationCheck:
    samples: torch.Tensor  # uint8 (m, C, H, W): the m samples closest to a training image
    neighbours: torch.Tensor  # uint8 (m, k, C, H, W): their k nearest training images
    distances: torch.Tensor  # (m, k)
    sample_distances: torch.Tensor  # (n,) every sample's distance to its nearest training image
    held_out_distances: torch.Tensor  # (n,) the same for real held-out images

    @property
    def copy_rate(self) -> float:
        """Share of samples nearer to a training image than the nearest 1% of held-out real images are."""
        threshold = torch.quantile(self.held_out_distances, 0.01)
        return (self.sample_distances < threshold).double().mean().item()

    def summary(self) -> dict[str, float]:
        return {"median_sample_distance": self.sample_distances.median().item(),
                "median_held_out_distance": self.held_out_distances.median().item(),
                "copy_rate": self.copy_rate}


def memorisation_check(samples: torch.Tensor, sample_features: Features, held_out_features: Features,
                       training_images: torch.Tensor, training_features: Features, show: int = 8, k: int = 3) -> MemorisationCheck:
    """Nearest training neighbours of every sample and every held-out image; keep the ``show`` closest samples."""
    sample_d, sample_i = nearest_neighbours(sample_features.vectors, training_features.vectors, k)
    held_out_d, _ = nearest_neighbours(held_out_features.vectors, training_features.vectors, 1)
    closest = sample_d[:, 0].argsort()[:show]
    return MemorisationCheck(samples[closest], training_images[sample_i[closest]], sample_d[closest],
                             sample_d[:, 0], held_out_d[:, 0])

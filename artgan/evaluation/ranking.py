"""Samples ranked by the run's own discriminator: its favourite and least favourite drawings.

The second report's analysis: the top-k samples show what the generator does well, the bottom-k
its failure modes; per class for conditional models. Every variant's D is called the way its
losses call it, ``D(images, labels)``; ACGAN/CAN discriminators may return ``(logits, class
logits)`` and only the real/fake logit ranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from artgan.data import to_float
from artgan.generation import LoadedGenerator
from artgan.runs.checkpoint import checkpoint_path, list_checkpoints, load_checkpoint
from artgan.runs.run_dir import open_run


@dataclass
class Ranked:
    images: torch.Tensor  # uint8 (k, C, H, W), best first (top) or worst first (bottom)
    scores: torch.Tensor  # (k,) D's probability of "real", or a WGAN critic's raw score
    label: str = ""
    probability: bool = True  # False for critics, whose scores are not probabilities


def load_discriminator(run_path: str | Path, model: LoadedGenerator) -> nn.Module:
    """The discriminator of the checkpoint ``model`` was loaded from."""
    run = open_run(run_path)
    path = model.checkpoint or checkpoint_path(run.checkpoints, model.step)
    if not path.is_file():
        path = list_checkpoints(run.checkpoints)[-1]
    D = model.variant.build_discriminator()
    D.load_state_dict(load_checkpoint(path, only="discriminator"))
    return D.to(model.device).eval().requires_grad_(False)


@torch.no_grad()
def discriminator_scores(D: nn.Module, images: torch.Tensor, labels: torch.Tensor | None = None,
                         batch: int = 256, probability: bool = True) -> torch.Tensor:
    """sigmoid(D(x)) for uint8 images, (N,); the raw D(x) with ``probability=False`` (WGAN critics,
    whose unbounded scores would all saturate to 0 or 1 under a sigmoid)."""
    device = next(D.parameters()).device
    scores = []
    for start in range(0, len(images), batch):
        x = to_float(images[start:start + batch].to(device))
        y = labels[start:start + batch].to(device) if labels is not None else None
        out = D(x, y)
        logits = out[0] if isinstance(out, (tuple, list)) else out
        logits = logits.float().flatten()
        scores.append((torch.sigmoid(logits) if probability else logits).cpu())
    return torch.cat(scores)


def top_and_bottom(images: torch.Tensor, scores: torch.Tensor, k: int, label: str = "",
                   probability: bool = True) -> tuple[Ranked, Ranked]:
    order = scores.argsort(descending=True)
    top, bottom = order[:k], order.flip(0)[:k]
    return (Ranked(images[top], scores[top], label, probability),
            Ranked(images[bottom], scores[bottom], label, probability))


def rank_samples(model: LoadedGenerator, D: nn.Module, n: int = 256, k: int = 8, seed: int = 0) -> list[tuple[Ranked, Ranked]]:
    """(top-k, bottom-k) of ``n`` samples: one pair overall, or one pair per class for conditional models."""
    probability = model.variant.real_fake_targets
    if not model.conditional:
        images = model.sample(n, seed)
        return [top_and_bottom(images, discriminator_scores(D, images, probability=probability), k, "", probability)]
    pairs = []
    for index, name in enumerate(model.class_names):
        labels = torch.full((n,), index)
        images = model(model.noise(n, seed + index), labels)
        scores = discriminator_scores(D, images, labels, probability=probability)
        pairs.append(top_and_bottom(images, scores, k, name, probability))
    return pairs

"""Looking at a data set: a preview sample and the average image (the first report's baseline)."""

from __future__ import annotations

import torch

from artgan.data import ImageSet


def preview_images(data: ImageSet, per_class: int = 8, total: int = 64, seed: int = 0) -> torch.Tensor:
    """A few images of every class (one class per row), or a random sample of an unlabelled set."""
    generator = torch.Generator().manual_seed(seed)
    if not data.labelled:
        return data.images[torch.randperm(len(data), generator=generator)[:total]]
    rows = []
    for label in range(data.num_classes):
        members = torch.nonzero(data.labels == label).flatten()
        rows.append(data.images[members[torch.randperm(len(members), generator=generator)[:per_class]]])
    return torch.cat(rows[: max(1, total // per_class)])


def average_image(data: ImageSet) -> torch.Tensor:
    """The pixel-wise mean of the whole set as uint8 (C, H, W): what a GAN that learnt nothing
    but the first moment would draw, and so the floor every metric is compared against."""
    total = torch.zeros(data.images.shape[1:], dtype=torch.float64)
    for start in range(0, len(data), 4096):  # chunked: a float copy of 50k images would not fit
        total += data.images[start:start + 4096].double().sum(0)
    return (total / len(data)).round().clamp(0, 255).to(torch.uint8)

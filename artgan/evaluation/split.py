"""Real images split in two: a reference set every candidate is measured against, and a held-out set.

The held-out set scored against the reference is the ceiling of every metric: what a generator
that draws fresh images from the true distribution would get with the same number of images
(FID is biased by the sample size, so the ceiling must use as many images as the model).
The domain classifier trains on the reference half only, so its held-out accuracy is honest.
"""

from __future__ import annotations

import torch

from artgan.data import ImageSet


def subset(data: ImageSet, index: torch.Tensor) -> ImageSet:
    return ImageSet(data.images[index], data.labels[index] if data.labels is not None else None,
                    data.class_names, data.source)


def split_real(data: ImageSet, held_out_fraction: float = 0.5, seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """(reference, held_out), a fixed random split: the same seed gives the same split every time.
    Labelled sets are split class by class so both halves keep the class balance."""
    if len(data) < 4:
        raise ValueError(f"a real/held-out split needs at least 4 images, got {len(data)}")
    generator = torch.Generator().manual_seed(seed)
    groups = [torch.nonzero(data.labels == c).flatten() for c in range(data.num_classes)] if data.labelled \
        else [torch.arange(len(data))]
    reference, held_out = [], []
    for members in groups:
        members = members[torch.randperm(len(members), generator=generator)]
        cut = int(round(len(members) * held_out_fraction))
        held_out.append(members[:cut])
        reference.append(members[cut:])
    return subset(data, torch.cat(reference).sort().values), subset(data, torch.cat(held_out).sort().values)

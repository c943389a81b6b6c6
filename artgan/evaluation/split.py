"""Real images split for evaluation: the half a domain classifier learns, a reference set every candidate
is measured against, and a held-out set.

The held-out set scored against the reference is the ceiling of every metric: what a generator
that draws fresh images from the true distribution would get with the same number of images
(FID is biased by the sample size, so the ceiling must use as many images as the model).
The domain classifier trains on the first half only, so its held-out accuracy is honest.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def joined(first: ImageSet, second: ImageSet) -> ImageSet:
    labels = torch.cat([first.labels, second.labels]) if first.labelled else None
    return ImageSet(torch.cat([first.images, second.images]), labels, first.class_names, first.source)


@dataclass
class RealSplit:
    learnt: ImageSet  # the half a domain classifier trains on
    unseen: ImageSet  # the other half: its held-out accuracy
    reference: ImageSet  # what every row is measured against
    held_out: ImageSet  # the ceiling: real images the reference does not contain

    @property
    def known(self) -> ImageSet:
        """Every image outside the held-out set: what the memorisation check looks for copies of."""
        return self.reference if self.reference is self.learnt else joined(self.learnt, self.reference)


def evaluation_split(data: ImageSet, seed: int = 0, learnt_features: bool = True) -> RealSplit:
    """The classifier's half is always ``split_real``'s first (what `artgan classify train` and the tracker
    learn, so a cached classifier stays valid). In the features of a classifier trained on this data
    (``learnt_features``) the images it learnt sit far from every other image, real or not, and nearer to a
    blurred copy than to a sharp one, so the reference and the ceiling then both come from the other half."""
    learnt, unseen = split_real(data, seed=seed)
    if not learnt_features:
        return RealSplit(learnt, unseen, learnt, unseen)
    return RealSplit(learnt, unseen, *split_real(unseen, seed=seed))

"""The prepared data set every trainer and analysis reads: uint8 images (in memory or memory-mapped), labels, names."""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field

import torch


@dataclass
class ImageSet:
    """Images as one uint8 tensor (N, C, H, W): 4x smaller than float, decoded once.

    Read from the cache, the tensor is a memory map of the cache file (``mapping``): batches are
    gathered from the page cache, so a 100,000-image set trains in the memory of a few batches,
    and there is no per-epoch JPEG decoding as in the textbook DataLoader loop.
    """

    images: torch.Tensor
    labels: torch.Tensor | None = None
    class_names: list[str] | None = None
    source: str = ""
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    mapping: mmap.mmap | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        assert self.images.dtype == torch.uint8 and self.images.dim() == 4, "images must be uint8 NCHW"
        if self.labels is not None:
            assert len(self.labels) == len(self.images), "one label per image"

    def __len__(self) -> int:
        return len(self.images)

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def size(self) -> int:
        return self.images.shape[-1]

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0

    @property
    def labelled(self) -> bool:
        return self.labels is not None and self.num_classes > 1

    @property
    def mapped(self) -> bool:
        return self.mapping is not None

    def release_pages(self) -> None:
        """Drop the mapped pages read so far from this process's resident set (they stay in the page
        cache; the next read maps them again), so that RSS measures the heap, not the file."""
        if self.mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
            self.mapping.madvise(mmap.MADV_DONTNEED)

    def class_counts(self) -> dict[str, int]:
        if not self.labelled:
            return {}
        counts = torch.bincount(self.labels, minlength=self.num_classes).tolist()
        return dict(zip(self.class_names, counts))


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1], the range of the generator's tanh."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] -> uint8 [0, 255], clamped (generators overshoot a little before tanh saturates)."""
    return images.detach().float().add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)

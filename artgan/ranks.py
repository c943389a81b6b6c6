"""Which of torchrun's processes this is, and which rows of a global batch are its own.

A leaf module (torch only) so that data, variants and training can all draw their per-sample
randomness for the whole global batch and keep their rows: K processes then draw exactly what
one process draws (see artgan/training/distributed.py for the rest of multi-process training).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, TypeVar

import torch
import torch.distributed as dist

from artgan.errors import ArtganError

Drawn = TypeVar("Drawn", torch.Tensor, tuple[torch.Tensor, ...])


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """The process that writes the run directory."""
        return self.rank == 0

    def split(self, batch: int) -> int:
        """This process's share of the global --batch."""
        if batch % self.world:
            raise ArtganError(f"--batch {batch} does not split evenly over {self.world} processes; use a multiple "
                              f"of {self.world} (e.g. --batch {max(self.world, batch - batch % self.world)})")
        return batch // self.world

    def shard(self, tensor: torch.Tensor | None) -> torch.Tensor | None:
        """This process's slice of a tensor drawn for the whole global batch (dim 0)."""
        if tensor is None or self.world == 1:
            return tensor
        n = self.split(len(tensor))
        return tensor[self.rank * n:(self.rank + 1) * n]


def ranks() -> Ranks:
    """Where this process stands: (0, 1, 0) when it runs alone."""
    if not (dist.is_available() and dist.is_initialized()):
        return Ranks()
    return Ranks(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))


def per_sample(draw: Callable[[int], Drawn], n: int) -> Drawn:
    """``draw(N)`` for the global batch (N = n x processes), and this process's n rows of it.

    Every process holds the same seeded generator, so drawing only n rows would hand each slice
    the same draws; drawing all N and keeping its own rows gives each the draws one process would
    make for those samples, and leaves the generator where one process would leave it.
    """
    where = ranks()
    drawn = draw(n * where.world)
    if isinstance(drawn, tuple):
        return tuple(where.shard(t) for t in drawn)
    return where.shard(drawn)

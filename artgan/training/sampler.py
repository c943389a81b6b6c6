"""Batches straight from the uint8 set: no DataLoader, no workers, no per-epoch decoding.

A set in memory is moved to the device once; a memory-mapped one (read from the cache) stays in
the page cache, and each batch is gathered from it and sent to the device.

Each epoch is a fresh permutation drawn from the sampler's own generator (so are ``--mirror``'s
flips), whose state is part of the checkpoint, so a resumed run sees exactly the batches the
uninterrupted one would have.
"""

from __future__ import annotations

import torch

from artgan.data import ImageSet, to_float
from artgan.ranks import Ranks


# Mapped pages read since they were last dropped from the resident set: RSS stays near this, not the set's size.
RELEASE_EVERY_BYTES = 256 * 2**20


class BatchSampler:
    def __init__(self, data: ImageSet, batch: int, seed: int, device: torch.device, ranks: Ranks = Ranks(),
                 mirror: bool = False):
        self.data = data
        self.home = torch.device("cpu") if data.mapped else device  # where the images, labels and order live
        self.images = data.images.to(self.home)  # in memory: uint8 on the device, 4x less traffic than float
        self.labels = data.labels.to(self.home) if data.labels is not None else None
        self.unreleased = 0
        self.batch = batch  # global: under torchrun every rank walks the same order and keeps its slice
        self.ranks = ranks
        self.device = device
        self.mirror = mirror  # x-flip each image with probability 1/2 (ADA's --mirror; Karras et al. 2020)
        self.generator = torch.Generator().manual_seed(seed)
        self.epoch = 0
        self.position = 0
        self.order = self._permutation()

    def _permutation(self) -> torch.Tensor:
        return torch.randperm(len(self.images), generator=self.generator).to(self.home)

    def next(self, memory_format=torch.contiguous_format) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next batch as float [-1, 1]; the last incomplete batch of an epoch is dropped."""
        if self.position + self.batch > len(self.order):
            self.epoch += 1
            self.position = 0
            self.order = self._permutation()
        index = self.ranks.shard(self.order[self.position:self.position + self.batch])
        self.position += self.batch
        images = to_float(self.images[index].to(self.device, non_blocking=True))
        self.release_read_pages(len(index))
        if self.mirror:  # drawn for the global batch, so every rank flips its slice as one process would
            flip = self.ranks.shard(torch.rand(self.batch, generator=self.generator) < 0.5).to(self.device)
            images = torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)
        labels = self.labels[index].to(self.device) if self.labels is not None else None
        return images.contiguous(memory_format=memory_format), labels

    def release_read_pages(self, count: int) -> None:
        self.unreleased += count * self.images[0].numel()
        if self.data.mapped and self.unreleased > RELEASE_EVERY_BYTES:
            self.data.release_pages()
            self.unreleased = 0

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "epoch": self.epoch, "position": self.position,
                "order": self.order.cpu()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.epoch, self.position = state["epoch"], state["position"]
        self.order = state["order"].to(self.home)

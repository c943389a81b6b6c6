"""Several processes, one run: ``torchrun --nproc_per_node=K -m artgan train ...``.

torchrun starts K copies of the command and tells each its place through RANK, WORLD_SIZE and
LOCAL_RANK. Every copy builds the same networks from the same seed and walks the same global
batch permutation and the same global noise, then keeps only its own slice of each, so the K
slices of a step are exactly the single-process batch. DistributedDataParallel averages the
gradients, which (every loss being a mean over equal slices) is the single-process gradient, and
batch norm takes its statistics over the whole global batch (``GlobalBatchNorm``), so K processes
train the same model as one process at the same ``--batch``, up to float rounding.

Rank 0 alone writes the run directory; the others compute and wait at collectives. Decisions
that stop or rewind the run are all-reduced at shared boundaries (divergence.py, interrupts.py).
"""

from __future__ import annotations

import contextlib
import datetime
import os

import torch
import torch.distributed as dist
from torch import nn

from artgan.errors import ArtganError
from artgan.ranks import Ranks, per_sample, ranks  # noqa: F401  (re-exported: the trainer's one import)


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def main_process() -> bool:
    """Rank 0 under torchrun (also after the process group is gone), or a process on its own."""
    return int(os.environ.get("RANK", "0")) == 0


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def launch_command() -> str:
    """How to start artgan again the way it runs now (for "continue with ..." messages)."""
    if not launched_by_torchrun():
        return "artgan"
    per_node, world = os.environ.get("LOCAL_WORLD_SIZE", os.environ["WORLD_SIZE"]), os.environ["WORLD_SIZE"]
    nodes = f" --nnodes={int(world) // int(per_node)}" if per_node != world else ""
    return f"torchrun{nodes} --nproc_per_node={per_node} -m artgan"


@contextlib.contextmanager
def process_group(device: str):
    """Join torchrun's process group for the block (nccl for GPUs, gloo for CPUs); alone, do nothing."""
    if not launched_by_torchrun() or active():
        yield
        return
    use_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if use_cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    # A rank that dies leaves the others blocked in a collective; the timeout ends them too.
    dist.init_process_group("nccl" if use_cuda else "gloo", timeout=datetime.timedelta(minutes=30))
    try:
        yield
        # Ranks leave together: rank 0 still writes the final grid and plots while the others are
        # done, and a group torn down under a peer's feet aborts that peer.
        dist.barrier()
    finally:
        dist.destroy_process_group()


def local_device(device: torch.device) -> torch.device:
    """``cuda`` means this process's own GPU, LOCAL_RANK, under torchrun."""
    if not (active() and device.type == "cuda"):
        return device
    if device.index is not None and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > 1:
        raise ArtganError(f"--device {device} would put every process of this machine on one GPU; under torchrun "
                          f"pass --device cuda (or auto) and each process takes GPU LOCAL_RANK")
    return torch.device("cuda", ranks().local_rank)


def barrier() -> None:
    if active():
        dist.barrier()


@contextlib.contextmanager
def main_first():
    """Rank 0 runs the block before the others: it fills caches and moves files they then read."""
    main = ranks().main
    if not main:
        barrier()
    try:
        yield
    finally:
        if main:
            barrier()


def mean_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """The average over processes: every logged statistic is a batch mean, so this is the global one."""
    if not active():
        return values
    values = values.clone()
    dist.all_reduce(values)
    return values / dist.get_world_size()


def gather_batch(x: torch.Tensor | None) -> torch.Tensor | None:
    """The global batch from every rank's slice, in rank order (no gradient flows back)."""
    if x is None or not active():
        return x
    x = x.contiguous()
    parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, x)
    return torch.cat(parts)


def gather_batch_with_gradient(x: torch.Tensor) -> torch.Tensor:
    """The global batch, in rank order, with gradients flowing back to this rank's slice.

    For a loss term that every rank computes alike from the whole batch: the backward sums each
    slice's gradient over the ranks' identical copies, and DDP's average over ranks then gives
    the single process's gradient.
    """
    if not active():
        return x
    rank, world = dist.get_rank(), dist.get_world_size()
    slices = [x if r == rank else torch.zeros_like(x) for r in range(world)]
    return _AllReduceSum.apply(torch.cat(slices))


# --- networks ------------------------------------------------------------------------------------

def data_parallel(module: nn.Module, device: torch.device) -> nn.Module:
    """DDP around ``module`` for the passes that train it (the module itself when alone).

    ``forward_sync_buffers=False``: batch-norm statistics are global (``GlobalBatchNorm``), so every
    rank's running averages are already equal, and a broadcast per forward would cost a collective
    for each of D's several calls per step. ``find_unused_parameters=False``: every variant's loss
    uses all of its networks' weights, and unused-parameter search looks only at the last of
    several forward passes before a backward, which is wrong for D (real, fake, penalty calls).
    """
    if not active():
        return module
    from torch.nn.parallel import DistributedDataParallel

    global_batch_norm(module)
    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids, forward_sync_buffers=False, find_unused_parameters=False)


class _AllReduceSum(torch.autograd.Function):
    """Sum over ranks, differentiable (twice, for R1 and gradient penalties through batch norm)."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.clone()
        dist.all_reduce(tensor)
        return tensor

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return _AllReduceSum.apply(grad)


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm whose training statistics cover the global batch over all ranks.

    Per-rank statistics would normalise each slice by its own mean and variance and train a
    different model from the single process. ``nn.SyncBatchNorm`` does this but refuses CPU tensors
    (torch 2.13), so this one all-reduces each layer's sums in one small collective on any device.
    Alone, or in eval mode, it is plain batch norm; its state dict is batch norm's. With
    ``across_ranks`` False it is plain batch norm in training mode too (for a copy that one rank
    runs alone).
    """

    across_ranks = True

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"batch norm expects (N, C, ...) input, got shape {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and self.across_ranks and active()):
            return super().forward(x)
        dims = [d for d in range(x.dim()) if d != 1]
        shape = [1, -1] + [1] * (x.dim() - 2)
        xf = x.float()
        count = x.numel() // x.shape[1] * dist.get_world_size()
        sums = _AllReduceSum.apply(torch.stack([xf.sum(dims), xf.square().sum(dims)]))
        mean = sums[0] / count
        var = (sums[1] / count - mean.square()).clamp_min(0)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.lerp_(mean.to(self.running_mean), m)
                self.running_var.lerp_((var * count / max(count - 1, 1)).to(self.running_var), m)
        y = (xf - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y.to(x.dtype)


def global_batch_norm(module: nn.Module) -> nn.Module:
    """Turn every batch-norm layer of ``module`` into ``GlobalBatchNorm`` in place (same weights)."""
    for layer in module.modules():
        if type(layer) in (nn.BatchNorm1d, nn.BatchNorm2d):
            layer.__class__ = GlobalBatchNorm
    return module

"""--compile: torch.compile (inductor) of the passes that train G and D.

Inductor fuses batch norm, activations and casts around the convolutions, forward and backward.
On the 2-core CPU of benchmarks/README.md that made 64 px DCGAN steps 0-10% faster after ~45 s of
compilation (the convolutions, which it leaves to oneDNN, are most of the time), so it is opt-in.
torch.compile cannot differentiate a graph twice (aot_autograd), so D stays eager when a gradient
penalty (WGAN-GP, --r1) differentiates D's input gradient again.
"""

from __future__ import annotations

import torch
from torch import nn


def compiled(module: nn.Module) -> nn.Module:
    """``module`` compiled lazily (at its first call); a graph inductor fails on runs eagerly, with a warning."""
    torch._dynamo.config.suppress_errors = True
    return torch.compile(module)

"""--compile: torch.compile'd G and D train as the eager ones do; D stays eager under a gradient penalty."""

from __future__ import annotations

import pytest
import torch

from artgan.config import build_config
from artgan.training import prepare_run
from tests.conftest import tiny_overrides


def trained(tmp_path, name, **train):
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path, steps=3, **train)), tmp_path / name, False, progress=False)
    for _ in range(3):
        trainer.train_step()
        trainer.step += 1
    return trainer


@pytest.mark.slow  # inductor compiles G and D: ~15 s on 2 CPU cores
def test_compiled_networks_train_like_eager_ones(tmp_path):
    torch.set_num_threads(1)
    eager, fast = trained(tmp_path, "eager"), trained(tmp_path, "compiled", compile=True)
    assert type(fast.G_train).__name__ == type(fast.D_train).__name__ == "OptimizedModule"
    for a, b in ((eager.G, fast.G), (eager.D, fast.D)):
        for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
            # the same maths; inductor only fuses and reorders fp32 sums
            assert torch.allclose(x.float(), y.float(), rtol=1e-3, atol=1e-4), name


@pytest.mark.slow
def test_d_stays_eager_when_a_penalty_differentiates_its_gradient(tmp_path):
    torch.set_num_threads(1)
    trainer = trained(tmp_path, "r1", compile=True, r1=1.0)  # aot_autograd cannot differentiate twice
    assert type(trainer.G_train).__name__ == "OptimizedModule" and trainer.D_train is trainer.D

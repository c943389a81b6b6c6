"""Tiny real runs trained once per session: 16 px digits, narrow networks, a few dozen steps."""

from __future__ import annotations

import pytest
import torch

from artgan.config import build_config
from artgan.training import train
from tests.conftest import tiny_overrides

torch.set_num_threads(1)  # 2 shared cores on CI: one thread each is fastest overall


def train_tiny(root, model: str = "dcgan", steps: int = 300, **model_options):
    """300 steps at lr 5e-4 (about 10 s here): blurry but recognisable digits, far better than noise."""
    overrides = tiny_overrides(root, steps=steps, batch=32, sample_every=100, checkpoint_every=steps, log_every=20,
                               lr_g=5e-4, lr_d=5e-4)
    overrides["model"].update({"name": model, "g_width": 16, "d_width": 16, **model_options})
    return train(build_config(overrides), out=root / f"{model}-run", progress=False)


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("digits")).path


@pytest.fixture(scope="session")
def digits_setup(digits_run):
    """The run with its real split and a domain classifier (150 steps: ~98% on held-out digits)."""
    from artgan.evaluation.evaluate import prepare

    return prepare(digits_run, "domain", classifier_steps=150)

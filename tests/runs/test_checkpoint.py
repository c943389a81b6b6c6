"""Reading a run's checkpoints: sampling reads the generator's tensors and nothing else."""

from __future__ import annotations

import contextlib

from artgan.config import build_config
from artgan.generation import load_generator
from artgan.runs import checkpoint
from artgan.runs.checkpoint import load_checkpoint
from artgan.training import train
from tests.conftest import tiny_overrides


def test_load_generator_reads_only_the_generator_and_step(tmp_path, monkeypatch):
    run = train(build_config(tiny_overrides(tmp_path, steps=2, ema=True)), out=tmp_path / "run", progress=False)
    read: list[str] = []

    opened = checkpoint.open_safetensors

    class Recording:  # an opened file that notes every tensor read
        def __init__(self, file):
            self.file = file

        def __getattr__(self, name):
            return getattr(self.file, name)

        def get_tensor(self, key):
            read.append(key)
            return self.file.get_tensor(key)

    @contextlib.contextmanager
    def recording(path):
        with opened(path) as file:
            yield Recording(file)

    monkeypatch.setattr(checkpoint, "open_safetensors", recording)
    loaded = load_generator(run.path)
    assert read and all(key.startswith("/generator_ema/") for key in read)  # the EMA G samples; not even G
    ema = load_checkpoint(run.latest_checkpoint(), only="generator_ema")
    assert all((loaded.generator.state_dict()[k] == v).all() for k, v in ema.items()) and loaded.step == 2

"""Reading a run's checkpoints: sampling reads the generator's tensors and nothing else."""

from __future__ import annotations

import safetensors

from artgan.config import build_config
from artgan.generation import load_generator
from artgan.runs import checkpoint
from artgan.runs.checkpoint import load_checkpoint
from artgan.training import train
from tests.conftest import tiny_overrides


def test_load_generator_reads_only_the_generator_and_step(tmp_path, monkeypatch):
    run = train(build_config(tiny_overrides(tmp_path, steps=2, ema=True)), out=tmp_path / "run", progress=False)
    read: list[str] = []

    class Recording:  # safe_open that notes every tensor read
        def __init__(self, path, framework):
            self.opened = safetensors.safe_open(path, framework=framework)

        def __enter__(self):
            self.file = self.opened.__enter__()
            return self

        def __exit__(self, *exc):
            return self.opened.__exit__(*exc)

        def metadata(self):
            return self.file.metadata()

        def keys(self):
            return self.file.keys()

        def get_tensor(self, key):
            read.append(key)
            return self.file.get_tensor(key)

    monkeypatch.setattr(checkpoint, "safe_open", Recording)
    loaded = load_generator(run.path)
    assert read and all(key.startswith("/generator_ema/") for key in read)  # the EMA G samples; not even G
    ema = load_checkpoint(run.latest_checkpoint(), only="generator_ema")
    assert all((loaded.generator.state_dict()[k] == v).all() for k, v in ema.items()) and loaded.step == 2

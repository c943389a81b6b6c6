"""Precision: `auto` picks the measured-fastest dtype, and bf16 training follows the fp32 curves."""

from __future__ import annotations

import csv

import pytest
import torch

import artgan.device as devices
from artgan.config import build_config
from artgan.runs.recipe import resolve_config
from artgan.training import precision, prepare_run, train
from tests.conftest import tiny_overrides


def test_auto_is_mixed_on_avx512_bf16_cpus_bf16_on_amx_and_fp32_without_bf16(monkeypatch):
    # AVX-512-BF16 alone: oneDNN's bf16 weight-gradient kernel crawls on busy cores, so those run in fp32.
    assert precision.cpu_precision("fpu sse avx512f avx512_bf16 avx512_vnni") == "mixed"
    assert precision.cpu_precision("fpu avx512f avx512_bf16 amx_bf16 amx_tile") == "bf16"
    assert precision.cpu_precision("fpu sse avx2 fma") == "fp32"
    cpu = torch.device("cpu")
    monkeypatch.setattr(devices, "cpu_flags", lambda: "avx512f avx512_bf16")
    assert precision.Precision("auto", cpu).name == "mixed" and precision.Precision("auto", cpu).dtype == torch.bfloat16
    monkeypatch.setattr(devices, "cpu_flags", lambda: "avx2")
    assert precision.Precision("auto", cpu).dtype == torch.float32
    assert precision.Precision("bf16", cpu).name == "bf16"


def losses(run_path) -> dict[str, list[float]]:
    rows = list(csv.DictReader(open(run_path / "metrics.csv")))
    return {name: [float(r[name]) for r in rows] for name in ("loss_d", "loss_g")}


@pytest.fixture
def one_thread():
    # bf16 weight-gradient kernels crawl when their threads share busy cores (benchmarks/README.md)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_bf16_and_mixed_training_curves_stay_close_to_fp32(tmp_path, one_thread):
    runs = {}
    for name in ("fp32", "bf16", "mixed"):
        config = build_config(tiny_overrides(tmp_path, steps=6, log_every=1, precision=name))
        runs[name] = losses(train(config, out=tmp_path / name, progress=False).path)
    for name in ("bf16", "mixed"):
        for loss in ("loss_d", "loss_g"):
            fp32, low = torch.tensor(runs["fp32"][loss]), torch.tensor(runs[name][loss])
            assert len(fp32) == len(low) == 6
            # bf16 rounds activations to 8 mantissa bits; over a few steps the curves drift a little,
            # not apart (a wrong cast or a dropped gradient moves them by far more).
            assert (fp32 - low).abs().max() < 0.15, (name, loss, fp32, low)
            assert not torch.equal(fp32, low)  # bf16 really ran
    assert runs["bf16"] != runs["mixed"]  # the weight gradients really differ


@pytest.mark.parametrize("model", ["dcgan", "wgan-gp", "sngan"])  # plain, gradient penalty, spectral norm
def test_mixed_trains_with_penalties_and_every_stabiliser(tmp_path, one_thread, model):
    overrides = tiny_overrides(tmp_path, steps=2, precision="mixed", r1=1.0, replay=0.5, diffaug=True, ema=True)
    overrides["model"]["name"] = model
    trainer, _ = prepare_run(resolve_config(overrides), tmp_path / "run", False, progress=False)
    before = [p.detach().clone() for p in trainer.D.parameters()]
    for _ in range(2):  # the second step replays fakes the first one kept
        stats = trainer.train_step()
        trainer.step += 1
    assert trainer.precision.name == "mixed"
    assert all(value.isfinite() for value in stats.values()) and "r1_penalty" in stats
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.D.parameters()))

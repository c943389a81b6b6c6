"""Precision: `auto` picks the measured-fastest dtype, and bf16 training follows the fp32 curves."""

from __future__ import annotations

import csv

import torch

from artgan.config import build_config
from artgan.training import precision, train
from tests.conftest import tiny_overrides


def test_auto_is_fp32_on_avx512_bf16_cpus_and_bf16_on_amx(monkeypatch):
    # AVX-512-BF16 alone: oneDNN's bf16 weight-gradient kernel makes training ~2x slower than fp32.
    assert not precision.fast_bf16_flags("fpu sse avx512f avx512_bf16 avx512_vnni")
    assert precision.fast_bf16_flags("fpu avx512f avx512_bf16 amx_bf16 amx_tile")
    monkeypatch.setattr(precision, "cpu_has_fast_bf16", lambda: False)
    assert precision.resolve_dtype("auto", torch.device("cpu")) == torch.float32
    monkeypatch.setattr(precision, "cpu_has_fast_bf16", lambda: True)
    assert precision.resolve_dtype("auto", torch.device("cpu")) == torch.bfloat16
    assert precision.resolve_dtype("fp32", torch.device("cpu")) == torch.float32


def losses(run_path) -> dict[str, list[float]]:
    rows = list(csv.DictReader(open(run_path / "metrics.csv")))
    return {name: [float(r[name]) for r in rows] for name in ("loss_d", "loss_g")}


def test_bf16_training_curves_stay_close_to_fp32(tmp_path):
    runs = {}
    for name in ("fp32", "bf16"):
        config = build_config(tiny_overrides(tmp_path, steps=8, log_every=1, precision=name))
        runs[name] = losses(train(config, out=tmp_path / name, progress=False).path)
    for loss in ("loss_d", "loss_g"):
        fp32, bf16 = torch.tensor(runs["fp32"][loss]), torch.tensor(runs["bf16"][loss])
        assert len(fp32) == len(bf16) == 8
        # bf16 rounds activations to 8 mantissa bits; over a few steps the curves drift a little,
        # not apart (a wrong cast or a dropped gradient moves them by far more).
        assert (fp32 - bf16).abs().max() < 0.15, (loss, fp32, bf16)
        assert not torch.equal(fp32, bf16)  # bf16 really ran

"""Sampling a trained run: `auto` precision follows what the run measured, where this device has it."""

from __future__ import annotations

import json

import torch

import artgan.device as devices
from artgan.cli import main
from artgan.generation import load_generator, sampling_precision
from tests.cli.test_cli import TINY


def test_auto_samples_in_bf16_only_where_the_run_trained_in_half_precision_and_bf16_is_native(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(devices, "cpu_flags", lambda: "avx512f avx512_bf16")
    assert [sampling_precision("auto", trained, cpu) for trained in ("mixed", "bf16", "fp32")] == ["bf16", "bf16", "fp32"]
    monkeypatch.setattr(devices, "cpu_flags", lambda: "avx2 fma")  # bf16 would be emulated: slower than fp32
    assert sampling_precision("auto", "mixed", cpu) == "fp32"
    assert sampling_precision("bf16", "fp32", cpu) == "bf16"  # asked for explicitly


def test_generate_auto_uses_the_recorded_precision_and_layout(tmp_path, monkeypatch):
    monkeypatch.setattr(devices, "cpu_flags", lambda: "avx512f avx512_bf16")
    args = [a if a != "fp32" else "mixed" for a in TINY]
    assert main(["train", *args, "--steps", "2", "--memory-format", "contiguous", "--out", str(tmp_path / "run")]) == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["speed"]["precision"] == "mixed"
    auto, exact = load_generator(tmp_path / "run", precision="auto"), load_generator(tmp_path / "run")
    assert (auto.precision, exact.precision) == ("bf16", "fp32")
    assert all(p.is_contiguous() for p in auto.generator.parameters())
    fast, slow = auto.sample(8, seed=1), exact.sample(8, seed=1)
    assert fast.shape == slow.shape == (8, 1, 16, 16)
    assert (fast.int() - slow.int()).abs().float().mean() < 8  # bf16 rounding, not another picture
    assert main(["generate", str(tmp_path / "run"), "--n", "3", "--out", str(tmp_path / "png"), "--quiet"]) == 0
    assert len(list((tmp_path / "png").glob("*.png"))) == 3

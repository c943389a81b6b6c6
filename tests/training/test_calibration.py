"""Calibration: auto settings are the measured-fastest, recorded in the run, and reused on resume."""

from __future__ import annotations

import csv
import json
import time

import pytest
import torch

import artgan.device as devices
from artgan.config import build_config
from artgan.training import calibration, prepare_run
from artgan.variants import dcgan
from tests.conftest import tiny_overrides


def rgb_overrides(tmp_path, folder, **train) -> dict:
    """3-channel images, where channels-last and contiguous tensors really differ in memory."""
    overrides = tiny_overrides(tmp_path, **{"steps": 2, "batch": 8, "calibrate": True, "memory_format": "auto"} | train)
    overrides["data"] |= {"source": str(folder), "channels": 3}
    return overrides


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def slow_when(layout, monkeypatch):
    """A scripted slow path: the discriminator sleeps whenever its input has ``layout``."""
    build = dcgan.DCGAN.build_discriminator

    def build_slow(self):
        D = build(self)
        forward = D.forward

        def slow_forward(x, *args):
            if x.is_contiguous(memory_format=layout) and not x.is_contiguous(memory_format=_other(layout)):
                time.sleep(0.05)
            return forward(x, *args)

        D.forward = slow_forward
        return D

    monkeypatch.setattr(dcgan.DCGAN, "build_discriminator", build_slow)


def _other(layout):
    return torch.contiguous_format if layout == torch.channels_last else torch.channels_last


@pytest.mark.parametrize("slow, expected", [(torch.channels_last, "contiguous"),
                                            (torch.contiguous_format, "channels-last")])
def test_calibration_picks_the_candidate_that_is_not_made_slow(tmp_path, labelled_folder, monkeypatch, threads,
                                                               slow, expected):
    slow_when(slow, monkeypatch)
    config = build_config(rgb_overrides(tmp_path, labelled_folder, threads=1))
    trainer, _ = prepare_run(config, tmp_path / "run", False, progress=False)
    assert trainer.speed.how == "measured" and trainer.speed.memory_format == expected
    assert len(trainer.speed.measured) == 2  # precision pinned (fp32), threads pinned: only the layouts were timed
    assert trainer.memory_format == calibration.LAYOUTS[expected]
    assert _layout_of(trainer.D) == expected


def _layout_of(module) -> str:
    weight = next(p for p in module.parameters() if p.dim() == 4 and p.shape[1] > 1)
    return "channels-last" if not weight.is_contiguous() else "contiguous"


def test_the_choice_is_recorded_shown_and_reused_on_resume(tmp_path, labelled_folder, monkeypatch, capsys, threads):
    config = build_config(rgb_overrides(tmp_path, labelled_folder, precision="auto"))
    trainer, _ = prepare_run(config, tmp_path / "run", False, progress=True)
    trainer.fit()
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())["speed"]
    assert recorded["how"] == "measured" and len(recorded["measured"]) >= 2
    rows = list(csv.DictReader(open(tmp_path / "run" / "metrics.csv")))
    assert {(r["precision"], r["memory_format"], r["threads"]) for r in rows} == {
        (recorded["precision"], recorded["memory_format"], str(recorded["threads"]))}
    first_line = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("artgan:"))
    assert first_line.startswith(f"artgan: training in {recorded['precision']}, {recorded['memory_format']}")

    def no_measuring(*args):
        raise AssertionError("a resumed run measured again")

    monkeypatch.setattr(calibration.StepBench, "images_per_second", no_measuring)
    config = build_config(rgb_overrides(tmp_path, labelled_folder, precision="auto", steps=4))
    resumed, _ = prepare_run(config, tmp_path / "run", True, progress=False)
    assert resumed.step == 2 and resumed.speed.how == "recorded"
    assert (resumed.speed.precision, resumed.speed.memory_format, resumed.speed.threads) == (
        recorded["precision"], recorded["memory_format"], recorded["threads"])
    assert torch.get_num_threads() == recorded["threads"]


def test_measuring_leaves_the_run_as_a_pinned_run_with_the_same_choice(tmp_path, labelled_folder, threads):
    measured, _ = prepare_run(build_config(rgb_overrides(tmp_path, labelled_folder)), tmp_path / "a", False, False)
    s = measured.speed
    pinned = rgb_overrides(tmp_path, labelled_folder, precision=s.precision, memory_format=s.memory_format,
                           threads=s.threads)
    again, _ = prepare_run(build_config(pinned), tmp_path / "b", False, False)
    assert again.speed.how == "pinned"
    for _ in range(2):
        a, b = measured.train_step(), again.train_step()
    assert all(torch.equal(x, y) for x, y in zip(measured.G.state_dict().values(), again.G.state_dict().values()))


def test_an_emulated_precision_is_warned_about_with_its_measured_cost(tmp_path, labelled_folder, monkeypatch, capsys,
                                                                      threads):
    monkeypatch.setattr(devices, "cpu_flags", lambda: "fpu sse avx2 fma")
    assert devices.native_precisions(torch.device("cpu")) == ("fp32",)
    config = build_config(rgb_overrides(tmp_path, labelled_folder, precision="bf16", threads=1, memory_format="contiguous"))
    trainer, _ = prepare_run(config, tmp_path / "run", False, progress=False)
    warning = [line for line in capsys.readouterr().err.splitlines() if "emulated" in line]
    assert len(warning) == 1 and "x slower than fp32" in warning[0] and warning[0].startswith("artgan: warning:")
    assert trainer.precision.name == "bf16" and set(trainer.speed.measured) == {"bf16/contiguous/1t", "fp32/contiguous/1t"}


def test_no_calibrate_takes_the_flags_rule_and_threads_pins(tmp_path, labelled_folder, monkeypatch, threads):
    monkeypatch.setattr(devices, "cpu_flags", lambda: "avx512f avx512_bf16")
    config = build_config(rgb_overrides(tmp_path, labelled_folder, precision="auto", calibrate=False, threads=1))
    trainer, _ = prepare_run(config, tmp_path / "run", False, progress=False)
    assert (trainer.speed.precision, trainer.speed.memory_format, trainer.speed.how) == ("mixed", "channels-last", "flags")
    assert torch.get_num_threads() == 1 and trainer.speed.measured == {}

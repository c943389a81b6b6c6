"""Training health: a run that fails without diverging (D wins outright, G's loss runs away, the
samples collapse) says so in the progress bar, on stderr, in metrics.csv and run.json, with what to try."""

from __future__ import annotations

import json

import torch

from artgan.cli import main
from artgan.config import TrainConfig
from artgan.training.health import WINDOW, TrainingHealth, variety


def rows(health: TrainingHealth, n: int, **values) -> list:
    found = []
    for _ in range(n):
        found = health.observe(dict(values))
    return found


def varied_grid(seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (16, 1, 8, 8), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


def test_a_healthy_run_has_no_symptom():
    health = TrainingHealth(TrainConfig(), real_variety=0.3)
    for step in range(3 * WINDOW):
        health.observe_samples(varied_grid(step) // (3 * WINDOW - step))  # variety grows as G learns
        assert health.observe({"loss_d": 1.2, "loss_g": 1.0 + step / 100, "d_real": 0.6, "d_fake": 0.35}) == []


def test_d_winning_outright_is_named_with_the_learning_rates_to_change():
    health = TrainingHealth(TrainConfig(lr_g=10, lr_d=10), real_variety=0.3)
    assert rows(health, WINDOW - 1, loss_g=6000.0, d_real=1.0, d_fake=0.0) == []  # not yet a trend
    [symptom] = rows(health, 1, loss_g=6000.0, d_real=1.0, d_fake=0.0)
    assert symptom.key == "D wins" and "D(G(z)) = 0.000" in symptom.what
    assert "--lr-g 10 --lr-d 10 are far above" in symptom.advice and "--label-smoothing 0.2" in symptom.advice
    assert health.new([symptom]) == [symptom] and health.new([symptom]) == []  # said once, when it starts


def test_a_g_loss_that_keeps_climbing_is_named():
    health = TrainingHealth(TrainConfig(), real_variety=0.3)
    for loss in [1.0] * WINDOW + [5, 20, 40, 80, 160]:
        found = health.observe({"loss_g": float(loss)})
    assert [s.key for s in found] == ["G loss rising"] and "--max-grad-norm 10" in found[0].advice


def test_collapse_is_a_fall_in_variety_not_a_slow_start():
    health = TrainingHealth(TrainConfig(), real_variety=variety(varied_grid()))
    health.observe_samples(varied_grid() // 40)  # G starts near-constant: not a collapse
    assert rows(health, WINDOW, loss_g=1.0) == []
    health.observe_samples(varied_grid(1))
    health.observe_samples(varied_grid(2)[:1].expand(16, -1, -1, -1))  # every sample the same picture
    [symptom] = rows(health, 1, loss_g=1.0)
    assert symptom.key == "samples collapsed" and "varies 0%" in symptom.what and "--replay 0.5" in symptom.advice


def test_lr_10_run_finishes_but_says_it_failed_and_what_to_try(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8",
                 "--latent-dim", "16", "--batch", "16", "--steps", "16", "--log-every", "2", "--sample-every", "4",
                 "--precision", "fp32", "--lr-g", "10", "--lr-d", "10", "--quiet", "--out", str(run)]) == 0
    err = capsys.readouterr().err
    assert "artgan: warning: step 10: D's outputs saturate" in err and "far above what GANs train with" in err
    assert "training finished, but the run looks failed at step 16" in err
    assert any("saturate" in line for line in json.loads((run / "run.json").read_text())["health"])
    assert "sample_variety" in (run / "metrics.csv").read_text().splitlines()[0]


def test_bce_losses_in_the_thousands_are_saturation_even_when_d_of_fakes_jumps_about():
    health = TrainingHealth(TrainConfig(), real_variety=0.3)
    [symptom] = rows(health, WINDOW, loss_g=9000.0, d_real=0.9, d_fake=0.2)
    assert symptom.key == "D wins" and "saturate" in symptom.what
    assert rows(TrainingHealth(TrainConfig(), 0.3), WINDOW, loss_g=9000.0, critic_real=3.0) == []  # WGAN: no scale

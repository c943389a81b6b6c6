"""The learning rate has one writer: lr = base x schedule(step) x decay(progress) x rollback scale."""

from __future__ import annotations

import pytest

from artgan.config import build_config
from artgan.runs.metrics_log import read_metrics
from artgan.training import prepare_run
from artgan.training.learning_rate import learning_rates
from tests.conftest import tiny_overrides
from tests.training.test_divergence import poison_discriminator


def test_rates_are_base_times_schedule_times_rollback_scale():
    t = build_config({"train": {"lr_g": 1e-3, "lr_d": 4e-3, "lr_step": 10, "lr_gamma": 0.5}}).train
    assert learning_rates(t, 9, 1.0, 0.0) == (1e-3, 4e-3)
    assert learning_rates(t, 25, 0.5, 0.0) == pytest.approx((1e-3 * 0.25 * 0.5, 4e-3 * 0.25 * 0.5))
    assert learning_rates(build_config({}).train, 10**6, 1.0, 0.0) == (2e-4, 2e-4)  # constant without --lr-step


def test_a_decay_runs_from_the_base_rates_to_lr_final_over_the_planned_run():
    cosine = build_config({"train": {"lr_g": 1e-3, "lr_d": 4e-3, "lr_decay": "cosine", "lr_final": 0.1}}).train
    assert learning_rates(cosine, 0, 1.0, 0.0) == pytest.approx((1e-3, 4e-3))
    assert learning_rates(cosine, 0, 1.0, 0.5) == pytest.approx((0.55e-3, 2.2e-3))  # halfway between 1 and 0.1
    assert learning_rates(cosine, 0, 1.0, 1.0) == pytest.approx((1e-4, 4e-4))
    assert learning_rates(cosine, 0, 0.5, 2.0) == pytest.approx((0.5e-4, 2e-4))  # past the end: held at lr_final
    linear = build_config({"train": {"lr_decay": "linear", "lr_final": 0.0}}).train
    assert learning_rates(linear, 0, 1.0, 0.25) == pytest.approx((1.5e-4, 1.5e-4))
    assert learning_rates(build_config({}).train, 0, 1.0, 0.9) == (2e-4, 2e-4)  # no decay unless asked


def test_a_run_of_n_steps_ends_its_decay_at_lr_final(tmp_path):
    overrides = tiny_overrides(tmp_path, steps=10, log_every=1, lr_decay="linear", lr_final=0.5)
    trainer, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    trainer.fit()
    steps, logged = read_metrics(trainer.run.path)["lr_g"]
    # A row logged after step s was trained at step s - 1, (s - 1) / 10 of the way through the run.
    assert logged == pytest.approx([2e-4 * (1 - 0.5 * (s - 1) / 10) for s in steps])


def test_a_rollback_under_a_schedule_logs_the_formula_and_leaves_the_config_alone(tmp_path):
    overrides = tiny_overrides(tmp_path, steps=9, log_every=1, on_divergence="rollback", lr_step=4, lr_gamma=0.5)
    trainer, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    poison_discriminator(trainer, {5})
    trainer.fit()
    steps, logged = read_metrics(trainer.run.path)["lr_g"]
    # A row logged after step s was trained at step s - 1; the rollback to step 3 halved every later rate.
    expected = {s: 2e-4 * 0.5 ** ((s - 1) // 4) * (0.5 if s > 3 else 1.0) for s in steps}
    assert logged == pytest.approx([expected[s] for s in steps])
    assert (trainer.config.train.lr_g, trainer.config.train.lr_d) == (2e-4, 2e-4)

"""--time: training stops when its wall-clock budget is spent, and a resumed run spends only what is left."""

import pytest
import torch

from artgan.config import build_config
from artgan.errors import ArtganError
from artgan.runs.checkpoint import load_checkpoint
from artgan.runs.metrics_log import read_metrics
from artgan.training import prepare_run
from artgan.training.time_budget import parse_duration
from tests.conftest import tiny_overrides


def test_durations_read_as_artists_write_them():
    assert parse_duration("20m") == 1200 and parse_duration("1h30m") == 5400 and parse_duration("90s") == 90
    assert parse_duration("1.5h") == 5400 and parse_duration("2") == 120
    for bad in ("soon", "10 minutes", "0m", "m"):
        with pytest.raises(ArtganError, match="--time"):
            parse_duration(bad)


def trainer(tmp_path, name, resume=False, **train):
    torch.set_num_threads(1)
    overrides = tiny_overrides(tmp_path, log_every=1, checkpoint_every=4, sample_every=100, **train)
    run, _ = prepare_run(build_config(overrides), tmp_path / name, resume, progress=False)
    run.clock.now = lambda: run.step * 0.5  # a scripted clock: every step takes half a second
    return run


def test_time_stops_the_run_when_spent_and_a_resume_spends_only_what_is_left(tmp_path):
    straight = trainer(tmp_path, "straight", time="4s")
    straight.fit()
    assert straight.step == 8  # 8 steps x 0.5 s
    assert load_checkpoint(straight.run.latest_checkpoint(), only="seconds_trained") == pytest.approx(4.0)

    interrupted = trainer(tmp_path, "resumed", time="4s")
    interrupted.clock.start()
    for _ in range(4):  # stopped after 2 of its 4 seconds
        interrupted.train_step()
        interrupted.step += 1
    interrupted.save_checkpoint()
    resumed = trainer(tmp_path, "resumed", resume=True, time="4s")
    assert resumed.clock.seconds() == pytest.approx(2.0)
    resumed.fit()
    assert resumed.step == 8
    a, b = load_checkpoint(straight.run.latest_checkpoint()), load_checkpoint(resumed.run.latest_checkpoint())
    for key in a["generator"]:
        assert torch.equal(a["generator"][key], b["generator"][key]), f"generator.{key} differs after resume"


def test_under_time_the_decay_follows_the_clock_and_resumes_with_it(tmp_path):
    straight = trainer(tmp_path, "straight", time="4s", lr_decay="linear", lr_final=0.0)
    straight.fit()
    steps, logged = read_metrics(straight.run.path)["lr_g"]
    # The clock is read after each step (log_every 1): the iteration logged at row s began (s - 1) x 0.5 s in.
    assert logged == pytest.approx([2e-4 * (1 - (s - 1) * 0.5 / 4) for s in steps])

    interrupted = trainer(tmp_path, "resumed", time="4s", lr_decay="linear", lr_final=0.0)
    interrupted.clock.start()
    for _ in range(4):
        interrupted.train_step()
        interrupted.step += 1
        interrupted.clock.up(interrupted.step)
    interrupted.save_checkpoint()
    resumed = trainer(tmp_path, "resumed", resume=True, time="4s", lr_decay="linear", lr_final=0.0)
    assert resumed.fraction_done() == pytest.approx(0.5)  # half the budget spent: half the decay done
    resumed.fit()
    a, b = load_checkpoint(straight.run.latest_checkpoint()), load_checkpoint(resumed.run.latest_checkpoint())
    for key in a["generator"]:
        assert torch.equal(a["generator"][key], b["generator"][key]), f"generator.{key} differs after resume"


def test_a_paused_clock_does_not_count_the_time_until_it_starts_again():
    from artgan.training.time_budget import TrainingClock

    readings = iter([0.0, 2.0, 10.0, 11.0])
    clock = TrainingClock("10s", check_every=1, now=lambda: next(readings))
    clock.start()
    clock.pause()  # 2 s trained
    clock.start()  # 8 s later (scoring, say)
    assert clock.seconds() == pytest.approx(3.0)


def test_every_rank_reads_its_progress_from_the_seconds_the_ranks_agree_on(monkeypatch):
    from artgan.training import time_budget

    readings = iter([0.0, 3.0, 3.0])
    clock = time_budget.TrainingClock("10s", check_every=1, now=lambda: next(readings))
    clock.start()
    agreed = iter([4.0, 10.0])  # the mean over ranks, not this rank's own 3 s
    monkeypatch.setattr(time_budget.distributed, "mean_over_ranks", lambda seconds: torch.full_like(seconds, next(agreed)))
    assert not clock.up(1) and clock.progress == pytest.approx(0.4)
    assert clock.up(2) and clock.progress == 1.0


def test_a_real_clock_stops_a_run_that_has_steps_to_spare(tmp_path):
    torch.set_num_threads(1)
    overrides = tiny_overrides(tmp_path, steps=10 ** 6, time="1s", log_every=1, checkpoint_every=10 ** 6)
    run, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    run.fit()
    spent = load_checkpoint(run.run.latest_checkpoint(), only="seconds_trained")
    assert 1.0 <= spent < 30 and 0 < run.step < 10 ** 6

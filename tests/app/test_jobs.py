"""Runs the app starts: a detached `artgan train` that Stop ends with a checkpoint and Resume continues."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from artgan.app.jobs import (JOB_FILE, TrainRequest, check_run_name, log_tail, pending_jobs, resume_training,
                             running_pid, start_training, stop_training)
from artgan.errors import ArtganError
from artgan.runs.checkpoint import list_checkpoints

WAIT = 240  # seconds: each start imports torch and prepares the data on a shared 2-core machine


def wait_for(condition, what: str, run: Path):
    deadline = time.time() + WAIT
    while not condition():
        if time.time() > deadline:
            pytest.fail(f"timed out waiting for {what}; trainer output:\n{log_tail(run, 40)}")
        time.sleep(0.5)


def logged_steps(run: Path) -> int:
    try:
        return len((run / "metrics.csv").read_text().splitlines()) - 1
    except OSError:
        return 0


@pytest.mark.slow
def test_stop_saves_a_checkpoint_and_resume_continues_from_it(tmp_path):
    run = tmp_path / "runs" / "digits-job"
    start_training(TrainRequest("sklearn:digits", "dcgan", 16, 100_000), run)
    assert run in pending_jobs(tmp_path / "runs") or (run / "run.json").exists()
    wait_for(lambda: logged_steps(run) >= 2, "the first logged steps", run)
    assert running_pid(run) is not None
    assert stop_training(run)
    wait_for(lambda: running_pid(run) is None, "the trainer to stop", run)
    [checkpoint] = list_checkpoints(run / "checkpoints")
    stopped_at = int(checkpoint.stem.split("_")[-1])
    assert stopped_at >= 10 and "stopped by SIGTERM" in log_tail(run)

    with pytest.raises(ArtganError, match="already exists"):
        check_run_name("digits-job", tmp_path / "runs")
    resume_training(run)
    wait_for(lambda: logged_steps(run) > stopped_at // 10 + 1, "steps after the resume", run)
    with pytest.raises(ArtganError, match="already training"):
        resume_training(run)
    stop_training(run)
    wait_for(lambda: running_pid(run) is None, "the resumed trainer to stop", run)
    assert int(list_checkpoints(run / "checkpoints")[-1].stem.split("_")[-1]) > stopped_at


def test_a_recorded_pid_that_is_not_this_runs_trainer_is_not_running(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / JOB_FILE).write_text(json.dumps({"pid": os.getpid()}))  # alive, but pytest, not `artgan train` of run
    assert running_pid(run) is None and not stop_training(run)
    (run / JOB_FILE).write_text("{broken")
    assert running_pid(run) is None


@pytest.mark.parametrize("name", ["../up", "/abs", ".hidden", "a/b", "", "x" * 65])
def test_run_names_cannot_leave_the_runs_folder(tmp_path, name):
    with pytest.raises(ArtganError, match="not allowed"):
        check_run_name(name, tmp_path)


def test_request_becomes_train_flags():
    assert TrainRequest("builtin:art", "wgan-gp", 32, 500).arguments() == [
        "--data", "builtin:art", "--model", "wgan-gp", "--size", "32", "--steps", "500"]
    assert TrainRequest("builtin:art", "dcgan", 32, 500, minutes=2.5).arguments()[-2:] == ["--time", "2.5m"]

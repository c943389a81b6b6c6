"""Real processes, real signals: SIGKILL mid-run then --resume reaches bit-identical weights, and
Ctrl-C / SIGTERM save a checkpoint at the step boundary and exit 130 / 143 saying how to resume."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from artgan.runs.checkpoint import list_checkpoints, load_checkpoint

REPO = Path(__file__).resolve().parents[2]
TINY = ["--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8", "--latent-dim", "16",
        "--batch", "16", "--precision", "fp32", "--log-every", "2", "--sample-every", "1000", "--quiet"]


def artgan(*args: str) -> list[str]:
    return [sys.executable, "-m", "artgan", "train", *TINY, *args]


def environment() -> dict:
    # The child imports this checkout and uses one thread, like the parent it is compared with.
    return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_to_end(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(artgan(*args), env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def wait_for(condition, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the run ended before the test could stop it: {process.stderr.read()}"
        assert time.monotonic() < deadline, "timed out waiting for the run to get going"
        time.sleep(0.01)


def newest_step(run: Path) -> int:
    found = list_checkpoints(run / "checkpoints")
    return int(found[-1].stem.split("_")[1]) if found else 0


def assert_same_state(a: dict, b: dict) -> None:
    for part in ("generator", "discriminator", "optimizer_g", "optimizer_d", "sampler", "noise_rng", "torch_rng"):
        flat_a, flat_b = flatten(a[part]), flatten(b[part])
        assert flat_a.keys() == flat_b.keys(), part
        for key in flat_a:
            assert torch.equal(flat_a[key], flat_b[key]) if torch.is_tensor(flat_a[key]) else flat_a[key] == flat_b[key], \
                f"{part}{key} differs"


def flatten(value, prefix="") -> dict:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}/{key}").items()}
    if isinstance(value, (list, tuple)):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}/{i}").items()}
    return {prefix: value}


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_gives_bit_identical_weights(tmp_path):
    steps = "60"
    killed = tmp_path / "killed"
    process = subprocess.Popen(artgan("--steps", steps, "--checkpoint-every", "3", "--out", str(killed)),
                               env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: newest_step(killed) >= 9, process)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    stopped_at = newest_step(killed)
    assert 9 <= stopped_at < 60, "the kill must land mid-run"
    # The killed run measured its layout and threads at start; the uninterrupted one is pinned to
    # what it chose, and the resumed one must reuse that record to match it bit for bit.
    speed = json.loads((killed / "run.json").read_text())["speed"]
    assert speed["how"] == "measured"
    run_to_end("--steps", steps, "--checkpoint-every", "3", "--out", str(tmp_path / "straight"),
               "--threads", str(speed["threads"]), "--memory-format", speed["memory_format"])

    resumed = run_to_end("--steps", steps, "--checkpoint-every", "3", "--out", str(killed), "--resume")
    assert resumed.returncode == 0
    straight_state = load_checkpoint(list_checkpoints(tmp_path / "straight" / "checkpoints")[-1])
    resumed_state = load_checkpoint(list_checkpoints(killed / "checkpoints")[-1])
    assert resumed_state["step"] == straight_state["step"] == 60
    assert_same_state(straight_state, resumed_state)
    logged = [int(row["step"]) for row in csv.DictReader(open(killed / "metrics.csv"))]
    assert logged == list(range(2, 61, 2))  # nothing lost, nothing twice


@pytest.mark.slow
@pytest.mark.parametrize("signum, code, name", [(signal.SIGINT, 130, "Ctrl-C (SIGINT)"), (signal.SIGTERM, 143, "SIGTERM")])
def test_interrupt_saves_at_the_step_boundary_and_says_how_to_resume(tmp_path, signum, code, name):
    run = tmp_path / "run"
    process = subprocess.Popen(artgan("--steps", "100000", "--checkpoint-every", "100000", "--out", str(run)),
                               env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: (run / "metrics.csv").exists(), process)
    process.send_signal(signum)
    err = process.communicate(timeout=120)[1]
    assert process.returncode == code, err
    saved = list_checkpoints(run / "checkpoints")
    assert len(saved) == 1
    step = load_checkpoint(saved[0], only="step")
    assert 0 < step < 100000
    assert f"stopped by {name} at step {step} of 100000; saved {saved[0]}" in err
    assert f"artgan train --out {run} --resume" in err
    if signum == signal.SIGINT:  # and the saved state is a real one: the run goes on from it
        run_to_end("--steps", str(step + 2), "--checkpoint-every", "100000", "--out", str(run), "--resume")
        assert load_checkpoint(list_checkpoints(run / "checkpoints")[-1], only="step") == step + 2


def kill_when(process: subprocess.Popen, moment: str, rng, run: Path, seconds_per_run: float) -> None:
    """SIGKILL the run at ``moment``: early (imports, data, before any checkpoint), while a checkpoint's
    temp file is being written, or at a random instant of the whole run."""
    if moment == "early":
        time.sleep(rng.uniform(0.0, 1.5))
    elif moment == "mid-write":
        deadline = time.monotonic() + seconds_per_run
        while process.poll() is None and time.monotonic() < deadline and not any((run / "checkpoints").glob(".*.tmp")):
            time.sleep(0.0005)
    else:
        time.sleep(rng.uniform(0.0, seconds_per_run))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.slow
def test_kills_at_random_moments_across_a_whole_run_each_resume_bit_identical(tmp_path):
    """Kill, resume, kill the resumed run, ... then let it finish: the same weights, optimizer and RNG
    states as a run never interrupted, and metrics.csv with every step once."""
    # Pinned speed settings: a run that calibrates picks its layout and threads by timing, which this
    # busy-machine test must not make differ between the straight and the killed run (resuming a
    # recorded choice is tested above).
    steps, every = "24", "4"
    pinned = ("--no-calibrate", "--threads", "1", "--memory-format", "contiguous")
    started = time.monotonic()
    run_to_end("--steps", steps, *pinned, "--checkpoint-every", every, "--out", str(tmp_path / "straight"))
    seconds_per_run = time.monotonic() - started
    run, rng = tmp_path / "killed", random.Random(16)
    for moment in ["early", "mid-write", "random", "mid-write", "random", "random"]:
        process = subprocess.Popen(artgan("--steps", steps, *pinned, "--checkpoint-every", every, "--out", str(run), "--resume"),
                                   env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_when(process, moment, rng, run, seconds_per_run)
    run_to_end("--steps", steps, *pinned, "--checkpoint-every", every, "--out", str(run), "--resume")
    straight = load_checkpoint(list_checkpoints(tmp_path / "straight" / "checkpoints")[-1])
    resumed = load_checkpoint(list_checkpoints(run / "checkpoints")[-1])
    assert resumed["step"] == straight["step"] == 24
    assert_same_state(straight, resumed)
    logged = [int(row["step"]) for row in csv.DictReader(open(run / "metrics.csv"))]
    assert logged == list(range(2, 25, 2))

"""Threads follow the load: measured again when it changes, recorded in run.json, replayed on resume."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from artgan.config import build_config
from artgan.training import prepare_run, thread_watch
from artgan.training.thread_watch import Switch, ThreadWatch
from tests.conftest import tiny_overrides


def watch(threads=2, rates=None, idle=lambda: None):
    """A watch over (2, 1) threads whose measurements answer from ``rates`` (threads -> images/s)."""
    measured = []

    def measure(counts):
        measured.extend(counts)
        return {n: (rates or {2: 100.0, 1: 100.0})[n] for n in counts}

    return ThreadWatch(threads, (2, 1), measure, idle=idle), measured


def feed(w, steps, seconds, start=0):
    """``steps`` steps of ``seconds`` each; the switches the watch returned."""
    found = []
    for step in range(start + 1, start + steps + 1):
        switch = w.observe(step, seconds)
        if switch:
            found.append(switch)
    return found


def test_steady_steps_are_never_measured_again():
    w, measured = watch()
    assert feed(w, 400, 0.05) == [] and measured == []


def test_steps_that_slow_down_make_it_measure_and_switch_to_the_faster_threads():
    w, measured = watch(rates={2: 300.0, 1: 900.0})
    feed(w, 200, 0.05)  # 10 s at 20 steps/s: the best window
    switches = feed(w, 100, 0.2, start=200)  # a competitor arrives: 4x slower
    assert measured == [2, 1] and len(switches) == 1
    s = switches[0]
    assert (s.was, s.threads) == (2, 1) and s.measured == {"2": 300.0, "1": 900.0}
    assert 200 < s.step <= 200 + 2 * thread_watch.WINDOW_SECONDS / 0.2 + 1  # two slow windows, then at once
    assert w.threads == 1


def test_a_brief_slowdown_is_not_acted_on():
    w, measured = watch(rates={2: 300.0, 1: 900.0})
    feed(w, 200, 0.05)
    feed(w, 16, 0.2, start=200)  # one slow window
    assert feed(w, 200, 0.05, start=216) == [] and measured == []


def test_a_core_that_becomes_idle_is_tried():
    idle = iter([None] + [0.0] * 6 + [1.0] * 100)  # the first read starts /proc/stat's interval
    w, measured = watch(threads=1, rates={2: 900.0, 1: 500.0}, idle=lambda: next(idle))
    switches = feed(w, 600, 0.05)
    assert [(s.was, s.threads) for s in switches] == [(1, 2)] and measured == [2, 1]


def test_a_measurement_that_changes_nothing_backs_off():
    w, measured = watch(threads=1, rates={2: 400.0, 1: 500.0}, idle=lambda: 1.0)  # a free core, but 2 threads lose
    assert feed(w, 2000, 0.05) == []  # 100 s
    rounds = len(measured) // 2
    assert 2 <= rounds <= 6  # not every other window (that would be ~16 rounds): 1, 2, 4, 8 windows of rest


def test_recorded_switches_replay_at_their_steps_before_the_watch_decides():
    w, measured = watch(rates={2: 300.0, 1: 900.0})
    w.replay = [Switch(7, 2, 1, {}, recorded=True), Switch(12, 1, 2, {}, recorded=True)]
    switches = feed(w, 20, 0.05)
    assert [(s.step, s.threads) for s in switches] == [(7, 1), (12, 2)] and w.threads == 2 and measured == []


@pytest.mark.parametrize("step, expected, ahead", [(5, 2, [10, 20]), (10, 1, [20]), (15, 1, [20]), (25, 2, [])])
def test_a_checkpoint_resumes_with_the_threads_it_was_computed_with(step, expected, ahead):
    switches = [Switch(10, 2, 1, {}), Switch(20, 1, 2, {})]
    threads, pending = ThreadWatch.threads_at(step, 2, switches)
    assert threads == expected and [s.step for s in pending] == ahead


@pytest.fixture
def two_thread_candidates(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(thread_watch, "thread_counts", lambda: (2, 1))
    monkeypatch.setattr(thread_watch, "WINDOW_SECONDS", 0.0)  # every step a window
    yield
    torch.set_num_threads(before)


def scripted_load(monkeypatch, trainer, loaded_from: int):
    """From step ``loaded_from`` on the watch sees a loaded machine, and measuring finds one thread faster."""
    train_step = trainer.train_step
    threads_used = []

    def step():
        threads_used.append(torch.get_num_threads())
        return train_step()

    monkeypatch.setattr(trainer, "train_step", step)
    monkeypatch.setattr(thread_watch.ThreadWatch, "load_changed", lambda self, rate, idle: trainer.step >= loaded_from)
    monkeypatch.setattr(thread_watch.StepBench, "images_per_second",
                        lambda self, candidate: 900.0 if candidate.threads == 1 else 300.0)
    return threads_used


def adaptive(tmp_path, **train):
    return build_config(tiny_overrides(tmp_path, **{"calibrate": True, "threads": 0, "precision": "fp32",
                                                    "memory_format": "contiguous", "log_every": 1} | train))


def test_a_run_switches_threads_records_it_and_resumes_exactly(tmp_path, monkeypatch, two_thread_candidates):
    trainer, _ = prepare_run(adaptive(tmp_path, steps=12, checkpoint_every=4), tmp_path / "run", False, False)
    trainer.speed.threads = trainer.threads.watch.threads = 2
    torch.set_num_threads(2)
    used = scripted_load(monkeypatch, trainer, loaded_from=5)
    trainer.fit()
    switch_step = used.index(1)  # the first step trained on one thread follows the switch
    assert 5 < switch_step < 12 and set(used[switch_step:]) == {1}
    speed = json.loads((tmp_path / "run" / "run.json").read_text())["speed"]
    assert speed["threads"] == 1 and [(s["step"], s["was"], s["threads"]) for s in speed["switches"]] == [(switch_step, 2, 1)]
    rows = list(csv.DictReader(open(tmp_path / "run" / "metrics.csv")))
    assert {r["threads"] for r in rows if int(r["step"]) <= switch_step} == {"2"}
    assert {r["threads"] for r in rows if int(r["step"]) > switch_step} == {"1"}
    final = {k: v.clone() for k, v in trainer.G.state_dict().items()}

    # Resume from the checkpoint before the switch: 2 threads again, then the recorded switch at its step.
    for path in (tmp_path / "run" / "checkpoints").glob("*.safetensors"):
        if int(path.stem.split("_")[-1]) > 4:
            path.unlink()
    resumed, _ = prepare_run(adaptive(tmp_path, steps=12, checkpoint_every=4), tmp_path / "run", True, False)
    assert resumed.step == 4 and torch.get_num_threads() == 2
    replayed = scripted_load(monkeypatch, resumed, loaded_from=10 ** 9)  # no load now: only the recorded switch
    resumed.fit()
    assert replayed == used[4:]
    assert all(torch.equal(final[k], v) for k, v in resumed.G.state_dict().items())


def test_pinned_threads_are_never_watched(tmp_path, two_thread_candidates):
    trainer, _ = prepare_run(adaptive(tmp_path, threads=1), tmp_path / "run", False, False)
    assert trainer.threads.watch is None

"""Threads that follow the machine's load: measured again when the load changes, mid-run.

Calibration times the candidates once, at start. A process that starts later on one of two cores
makes every two-thread step wait for the slower thread, and one thread then trains several times
faster (benchmarks/README.md); when that process ends, the second core stays idle. So while a run
may choose its threads (``--threads 0``, calibration on, one CPU process) the watch times the
training steps in windows of a few seconds and measures the thread counts again, on the same
throwaway networks as calibration, when two windows in a row say the load changed: steps clearly
slower than the best window at the current threads (a competitor arrived), or a core idle that the
run could use (one left). Only the thread count moves: precision and layout change the run's
arithmetic and weights, threads only how the work is split.

Each switch is kept in run.json (``speed.switches``: the step after which it applies, the threads
before and after, the rates measured) before it takes effect, so ``--resume`` restarts a checkpoint
with the threads it was computed with and replays the recorded switches at their steps: the resumed
steps compute as the interrupted ones did.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Callable

import torch
from tqdm.auto import tqdm

from artgan.config import Config
from artgan.data import ImageSet
from artgan.runs.run_dir import RunDir
from artgan.training.calibration import Candidate, SpeedSettings, StepBench, thread_counts

WINDOW_SECONDS = 3.0  # of training steps per window: long enough to even out a checkpoint or a grid
WINDOWS_TO_ACT = 2  # a change must last this many windows in a row
SLOWER = 0.7  # a window below this share of the best one at the current threads: the cores are shared
IDLE_CORE = 0.7  # this much of a core idle per thread the run could add: a core is free
MAX_BACKOFF = 32  # windows to wait, at most, after measurements that changed nothing (a few % of the time)


def idle_cores() -> Callable[[], float | None]:
    """A reader of the machine's idle cores since its last call (Linux /proc/stat; None elsewhere)."""
    last = None

    def read() -> float | None:
        nonlocal last
        try:
            with open("/proc/stat") as stat:
                fields = [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle, total = fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields)
        previous, last = last, (idle, total)
        if previous is None or total <= previous[1]:
            return None
        return (idle - previous[0]) / (total - previous[1]) * (os.cpu_count() or 1)

    return read


@dataclass
class Switch:
    step: int  # steps done when it applied: every later step uses ``threads``
    was: int
    threads: int
    measured: dict  # threads -> training images/s, as measured for the decision
    recorded: bool = False  # read back from run.json (a resumed run replays it)

    def to_dict(self) -> dict:
        return {"step": self.step, "was": self.was, "threads": self.threads, "measured": self.measured}


class ThreadWatch:
    """``observe(step, seconds)`` after each training step; returns a ``Switch`` when the threads should change.

    ``measure(candidates)`` times each thread count (training images/s, by count); ``candidates`` are the counts
    the run may use; ``replay`` holds the recorded switches still ahead of a resumed run, in step
    order, applied at their steps before the watch decides anything itself.
    """

    def __init__(self, threads: int, candidates: tuple[int, ...], measure: Callable[[tuple[int, ...]], dict[int, float]],
                 idle: Callable[[], float | None] | None = None):
        self.threads, self.candidates, self.measure = threads, tuple(candidates), measure
        self.replay: list[Switch] = []
        self.idle = idle or idle_cores()
        self.best_rate = 0.0  # steps/s of the best window since the threads last changed
        self.window_steps, self.window_seconds = 0, 0.0
        self.strikes, self.backoff, self.quiet_windows = 0, 1, 0
        self.idle()  # start /proc/stat's interval

    def observe(self, step: int, seconds: float) -> Switch | None:
        if self.replay:
            if self.replay[0].step != step:
                return None
            switch = self.replay.pop(0)
            self.applied(switch)
            return switch
        self.window_steps += 1
        self.window_seconds += seconds
        if self.window_seconds < WINDOW_SECONDS:
            return None
        rate, idle = self.window_steps / self.window_seconds, self.idle()
        self.window_steps, self.window_seconds = 0, 0.0
        changed = self.load_changed(rate, idle)
        self.best_rate = max(self.best_rate, rate)
        if self.quiet_windows:
            self.quiet_windows -= 1
            return None
        self.strikes = self.strikes + 1 if changed else 0
        if self.strikes < WINDOWS_TO_ACT or not self.candidates:
            return None
        return self.remeasure(step)

    def load_changed(self, rate: float, idle: float | None) -> bool:
        slower = self.best_rate > 0 and rate < SLOWER * self.best_rate
        more = [t for t in self.candidates if t > self.threads]
        spare = bool(more) and idle is not None and idle >= IDLE_CORE * (min(more) - self.threads)
        return slower or spare

    def remeasure(self, step: int) -> Switch | None:
        self.strikes = 0
        measured = self.measure(self.candidates)
        fastest = max(measured, key=measured.get)
        self.idle()  # the measuring's own load is not the machine's
        if fastest == self.threads:  # a false alarm, or nothing better: look again later, less often
            self.quiet_windows, self.backoff = self.backoff, min(MAX_BACKOFF, 2 * self.backoff)
            self.best_rate = 0.0
            return None
        switch = Switch(step, self.threads, fastest, {str(t): round(r, 1) for t, r in measured.items()})
        self.applied(switch)
        return switch

    def applied(self, switch: Switch) -> None:
        self.threads, self.best_rate, self.backoff = switch.threads, 0.0, 1
        self.quiet_windows = 1  # the first window after a switch builds kernels for the new split

    @staticmethod
    def threads_at(step: int, threads_now: int, switches: list[Switch]) -> tuple[int, list[Switch]]:
        """The threads a checkpoint of ``step`` was computed with, and the recorded switches after it."""
        ahead = sorted((s for s in switches if s.step > step), key=lambda s: s.step)
        return (ahead[0].was if ahead else threads_now), ahead


def switches_from(records: list[dict]) -> list[Switch]:
    with contextlib.suppress(KeyError, TypeError):
        return [Switch(int(r["step"]), int(r["was"]), int(r["threads"]), dict(r.get("measured", {})), recorded=True)
                for r in records]
    return []


class RunThreads:
    """A run's thread count: the watch's switches applied and recorded in run.json, and replayed on resume."""

    def __init__(self, watch: ThreadWatch | None, speed: SpeedSettings, run: RunDir, writes: bool, announce: bool):
        self.watch, self.speed, self.run, self.writes, self.announce = watch, speed, run, writes, announce

    def after_step(self, step: int, seconds: float) -> None:
        switch = self.watch and self.watch.observe(step, seconds)
        if not switch:
            return
        self.speed.threads = switch.threads
        if not switch.recorded:  # in run.json before it applies: a crash right after must resume the same way
            self.speed.switches.append(switch.to_dict())
            if self.writes:
                self.run.update_info(speed=self.speed.to_dict())
            if self.announce:
                rates = ", ".join(f"{threads}t {rate:.0f}" for threads, rate in switch.measured.items())
                tqdm.write(f"artgan: step {step}: the machine's load changed: training on {switch.threads} "
                           f"thread{'s' * (switch.threads != 1)} instead of {switch.was} (img/s {rates})", file=sys.stderr)
        torch.set_num_threads(switch.threads)

    def resumed_at(self, step: int) -> None:
        """The threads the checkpoint of ``step`` was computed with; the switches recorded after it, replayed."""
        if self.watch is None or not self.speed.switches:
            return
        threads, ahead = ThreadWatch.threads_at(step, self.speed.threads, switches_from(self.speed.switches))
        self.speed.threads = self.watch.threads = threads
        self.watch.replay = ahead
        torch.set_num_threads(threads)


def run_threads(config: Config, device: torch.device, data: ImageSet, speed: SpeedSettings, run: RunDir, ranks,
                announce: bool) -> RunThreads:
    """Watching while the run's threads are left to measuring (``--threads 0``, calibration on, one CPU
    process); replaying only, for a resumed run that recorded switches."""
    t = config.train
    adapts = t.threads == 0 and t.calibrate and ranks.world == 1 and device.type == "cpu" and len(thread_counts()) > 1
    if not (adapts or speed.switches):
        return RunThreads(None, speed, run, ranks.main, announce)

    def measure(counts: tuple[int, ...]) -> dict[int, float]:
        bench = StepBench(config, device, data)  # one per measurement, as calibration's: its networks copied per count
        rates = {n: bench.images_per_second(Candidate(speed.precision, speed.memory_format, n)) for n in counts}
        torch.set_num_threads(speed.threads)  # measuring set its own; the run goes on with its own
        return rates

    watch = ThreadWatch(speed.threads, thread_counts() if adapts else (), measure)
    return RunThreads(watch, speed, run, ranks.main, announce)

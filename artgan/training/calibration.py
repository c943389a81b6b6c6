"""Speed settings chosen by measuring: numeric precision, tensor layout and CPU threads.

CPU flags alone mislead. On an AVX-512-BF16 CPU bf16 steps are 2x fp32 while the cores are free
and slower than fp32 while other processes share them; on AVX2 bf16 is emulated and 3-100x
slower; two threads on two busy cores can lose to one (benchmarks/README.md). So each setting
left on ``auto`` is decided by timing a few training steps (one D and one G update) of each
candidate on throwaway copies of the run's networks, greedily: threads, then precision, then
layout. The global random state is restored afterwards, so a measured run trains exactly as a
pinned one with the same settings. The choice is written to run.json and a resumed run reuses
it instead of measuring again: the same arithmetic as the interrupted run, so resume stays
bit-identical.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from dataclasses import asdict, dataclass, field, fields, replace

import torch

from artgan.config import Config
from artgan.data import ImageSet, to_float
from artgan.device import bf16_is_emulated, native_precisions
from artgan.training.precision import Precision, resolve_precision
from artgan.variants import get_variant

LAYOUTS = {"channels-last": torch.channels_last, "contiguous": torch.contiguous_format}
TIMED_STEPS = 2  # after one warm-up step (oneDNN builds its kernels at the first call); the fastest counts
SLOW_STEP_SECONDS = 0.25  # a warm-up slower than this is followed by one timed step: calibration stays a few seconds
CLEAR_LOSS = 4.0  # a candidate whose warm-up step is this many times the fastest timed step so far is not timed


@dataclass(frozen=True)
class Candidate:
    precision: str
    memory_format: str
    threads: int

    @property
    def label(self) -> str:
        return f"{self.precision}/{self.memory_format}/{self.threads}t"


@dataclass
class SpeedSettings:
    """How a run computes: what it chose, how it chose it, and what it measured."""

    precision: str  # fp32, bf16, mixed or fp16
    memory_format: str  # channels-last or contiguous
    threads: int  # CPU threads the run trains with
    how: str = "flags"  # measured, pinned (all given), flags (--no-calibrate, torchrun) or recorded (--resume)
    measured: dict[str, float] = field(default_factory=dict)  # Candidate.label -> training images/s
    seconds: float = 0.0  # what the measuring cost
    switches: list[dict] = field(default_factory=list)  # thread changes mid-run, as the load changed (thread_watch.py)

    @property
    def torch_memory_format(self) -> torch.memory_format:
        return LAYOUTS[self.memory_format]

    def describe(self) -> str:
        text = f"{self.precision}, {self.memory_format}, {self.threads} thread{'s' * (self.threads != 1)} ({self.how}"
        if self.measured:
            rates = ", ".join(f"{label} {rate:.0f}" for label, rate in self.measured.items())
            text += f" in {self.seconds:.1f} s; img/s {rates}"
        return text + ")"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> SpeedSettings:
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


def choose_speed(config: Config, device: torch.device, data: ImageSet, single_process: bool = True) -> SpeedSettings:
    """The settings a fresh run trains with; measured where ``--calibrate`` and a choice is left open."""
    t = config.train
    start = Candidate(resolve_precision(t.precision, device),
                      "channels-last" if t.memory_format == "auto" else t.memory_format,
                      t.threads or torch.get_num_threads())
    options = {  # threads first: on busy cores every step with too many threads is slow to measure
        "threads": thread_counts() if t.threads == 0 and device.type == "cpu" else (start.threads,),
        "precision": native_precisions(device) if t.precision == "auto" else (start.precision,),
        "memory_format": tuple(LAYOUTS) if t.memory_format == "auto" else (start.memory_format,),
    }
    emulated = start.precision in ("bf16", "mixed") and bf16_is_emulated(device)
    open_choices = any(len(values) > 1 for values in options.values())
    if not (t.calibrate and single_process) or not (open_choices or emulated):
        if emulated and t.precision != "auto":
            warn(f"--precision {t.precision} is emulated on this CPU (no AVX-512-BF16 or AMX) and typically several "
                 f"times slower than fp32; use --precision auto or fp32")
        how = "pinned" if not open_choices else "flags"
        return SpeedSettings(start.precision, start.memory_format, start.threads, how)
    began = time.perf_counter()
    bench = StepBench(config, device, data)
    best, measured = greedy_search(bench.images_per_second, start, options)
    if emulated:  # an explicit emulated precision: measure what it costs, to say so
        for candidate in (best, replace(best, precision="fp32")):
            if candidate.label not in measured:
                measured[candidate.label] = bench.images_per_second(candidate)
        slowdown = measured[replace(best, precision="fp32").label] / measured[best.label]
        warn(f"--precision {t.precision} is emulated on this CPU (no AVX-512-BF16 or AMX): a training step measured "
             f"{slowdown:.1f}x slower than fp32; use --precision auto or fp32")
    return SpeedSettings(best.precision, best.memory_format, best.threads, "measured", measured,
                         round(time.perf_counter() - began, 2))


def greedy_search(images_per_second, start: Candidate, options: dict[str, tuple]) -> tuple[Candidate, dict[str, float]]:
    """One dimension at a time, in ``options``' order, each fixed at its fastest before the next."""
    measured: dict[str, float] = {}
    best = start
    for name, values in options.items():
        if len(values) < 2:
            continue
        tried = [replace(best, **{name: value}) for value in values]
        for candidate in tried:
            if candidate.label not in measured:
                measured[candidate.label] = images_per_second(candidate)
        best = max(tried, key=lambda c: measured[c.label])
    return best, measured


def thread_counts() -> tuple[int, ...]:
    """All the cores this process may use, and half of them (fewer threads win when others share the cores)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return tuple(sorted({cores, max(1, cores // 2)}, reverse=True))


def warn(message: str) -> None:
    print(f"artgan: warning: {message}", file=sys.stderr)


class StepBench:
    """One D and one G update of the run's variant, on fresh copies of its networks and a real batch."""

    def __init__(self, config: Config, device: torch.device, data: ImageSet):
        self.device = device
        self.batch = min(config.train.batch, len(data))
        self.latent_dim = config.model.latent_dim
        with self.own_randomness():
            self.variant = get_variant(config.model.name)(config, data.channels, data.num_classes)
            self.G, self.D = self.variant.build_generator(), self.variant.build_discriminator()
        self.real = to_float(data.images[:self.batch])
        self.real_labels = data.labels[:self.batch].to(device) if data.labels is not None else None
        self.fastest = float("inf")  # seconds of the fastest timed step so far

    def own_randomness(self):
        """Whatever the measuring draws, the run's global random state is as it was before."""
        return torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else [])

    def images_per_second(self, candidate: Candidate) -> float:
        torch.set_num_threads(candidate.threads)
        layout = LAYOUTS[candidate.memory_format]
        G = copy.deepcopy(self.G).to(self.device, memory_format=layout)
        D = copy.deepcopy(self.D).to(self.device, memory_format=layout)
        opt_g, opt_d = self.variant.build_optimizers(G, D)
        precision = Precision(candidate.precision, self.device)
        real = self.real.to(self.device).contiguous(memory_format=layout)
        with self.own_randomness():
            warm_up = self.timed_step(G, D, opt_g, opt_d, precision, real)
            if warm_up > CLEAR_LOSS * self.fastest:  # lost already, warm-up and all: not worth timing again
                return self.batch / warm_up
            repeats = TIMED_STEPS if warm_up < SLOW_STEP_SECONDS else 1
            best = min(self.timed_step(G, D, opt_g, opt_d, precision, real) for _ in range(repeats))
        self.fastest = min(self.fastest, best)
        return self.batch / best

    def timed_step(self, *args) -> float:
        began = time.perf_counter()
        self.step(*args)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter() - began

    def step(self, G, D, opt_g, opt_d, precision: Precision, real: torch.Tensor) -> None:
        """The trainer's iteration in its plainest form: D on real and detached fakes, then G on the same fakes."""
        z = torch.randn(self.batch, self.latent_dim, device=self.device)
        labels = self.variant.sample_labels(self.batch, torch.Generator(self.device), self.device)
        with precision.autocast():
            fake = G(z, labels)
            loss, _ = self.variant.discriminator_loss(D, real, self.real_labels, fake.detach(), labels)
        precision.backward_and_step(loss, opt_d)
        D.requires_grad_(False)
        with precision.autocast():
            loss, _ = self.variant.generator_loss(D, fake, labels)
        precision.backward_and_step(loss, opt_g)
        D.requires_grad_(True)


def recorded_speed(info: dict, config: Config, device: torch.device) -> SpeedSettings:
    """What a run being resumed trained with: run.json's record (runs from before calibration: the flags' rule)."""
    if "speed" in info:
        return replace(SpeedSettings.from_dict(info["speed"]), how="recorded")
    return SpeedSettings(resolve_precision(config.train.precision, device), "channels-last",
                         config.train.threads or torch.get_num_threads(), "recorded")

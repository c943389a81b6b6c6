"""The one training loop. Every variant plugs in through ``artgan.variants.Variant``.

Per iteration: ``n_critic`` discriminator updates, then ``g_steps`` generator updates. The loop
keeps values on the device and reads them back only every ``log_every`` steps, because a host
sync per step (``loss.item()``) stalls a GPU.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from artgan import __version__
from artgan.atomic import DiskFullError, remove_stale_temp_files, save_image_atomic
from artgan.config import Config
from artgan.data import ImageSet, to_uint8
from artgan.errors import ArtganError
from artgan.training import distributed
from artgan.training.calibration import SpeedSettings, choose_speed
from artgan.training.compiled import compiled
from artgan.runs.checkpoint import checkpoint_path, newest_good_checkpoint, prune_checkpoints, save_checkpoint
from artgan.training.divergence import DivergenceGuard, decide_after_divergence
from artgan.training.health import TrainingHealth, report_at_end, variety
from artgan.training.interrupts import GracefulInterrupts
from artgan.training.learning_rate import learning_rates, set_learning_rate
from artgan.runs.metrics_log import MetricsLog, NullLog, read_metrics
from artgan.device import resolve_device
from artgan.training.precision import Precision
from artgan.runs.run_dir import RunDir
from artgan.training.sampler import BatchSampler
from artgan.training.stabilisers import RunFacts, Stabilisers
from artgan.training.thread_watch import run_threads
from artgan.training.time_budget import TrainingClock
from artgan.variants import get_variant
from artgan.variants.base import DISCRIMINATOR_OUTPUTS, match_parameter_layouts
from artgan.visual.grid import make_grid, save_timelapse, upscale
from artgan.visual.plots import plot_training_curves

GRID_COLUMNS = 8


# --time: no step limit; the clock stops the run (a bound instead of None keeps step counts integers).
UNTIL_TIME_IS_UP = 10 ** 12


def total_steps(config: Config, num_images: int) -> int:
    """--time trains until its clock runs out; --epochs counts passes over the data by D (n_critic
    real batches per step); else --steps."""
    t = config.train
    if t.time:
        return UNTIL_TIME_IS_UP
    if t.epochs > 0:
        return max(1, math.ceil(t.epochs * num_images / (t.batch * t.n_critic)))
    return t.steps


def time_left(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}" if minutes >= 60 else f"{minutes}:{seconds:02d}"


def fixed_labels(n: int, num_classes: int) -> torch.Tensor:
    """One class per grid row, cycling, so a conditional model's grid reads row by row."""
    return (torch.arange(n) // GRID_COLUMNS) % num_classes


class Trainer:
    def __init__(self, config: Config, run: RunDir, data: ImageSet, progress: bool = True,
                 speed: SpeedSettings | None = None):
        """``speed``: the settings to train with (a resumed run's recorded ones); measured when None."""
        t = config.train
        self.ranks = distributed.ranks()  # under torchrun: this process's slice of every global batch
        self.config, self.run, self.progress = config, run, progress and self.ranks.main
        self.device = distributed.local_device(resolve_device(t.device))
        self.speed = speed or choose_speed(config, self.device, data, single_process=self.ranks.world == 1)
        if self.device.type == "cpu":
            torch.set_num_threads(self.speed.threads)
        self.precision = Precision(self.speed.precision, self.device)
        self.threads = run_threads(config, self.device, data, self.speed, run, self.ranks, self.progress)  # follow the load
        torch.manual_seed(t.seed)  # network initialisation
        self.variant = get_variant(config.model.name)(config, data.channels, data.num_classes)
        self.memory_format = self.speed.torch_memory_format
        self.G = self.variant.build_generator().to(self.device, memory_format=self.memory_format)
        self.D = self.variant.build_discriminator().to(self.device, memory_format=self.memory_format)
        self.opt_g, self.opt_d = self.variant.build_optimizers(self.G, self.D)
        # The passes that train a network go through DDP (the network itself when alone); grids,
        # checkpoints and G's view of D use the plain modules.
        self.G_train = distributed.data_parallel(self.G, self.device)
        self.D_train = distributed.data_parallel(self.D, self.device)
        self.sampler = BatchSampler(data, t.batch, t.seed, self.device, self.ranks, mirror=t.mirror)
        self.noise = torch.Generator(self.device).manual_seed(t.seed + 1)
        self.fixed_z = torch.randn(t.grid_size, config.model.latent_dim, generator=self.noise, device=self.device)
        self.fixed_labels = fixed_labels(t.grid_size, data.num_classes).to(self.device) if self.variant.conditional else None
        self.step = 0
        self.kept_fake = None  # (fake, labels, z) of D's last step, for G's next step
        self.total_steps = total_steps(config, len(data))
        self.clock = TrainingClock(t.time, t.log_every)
        self.images_per_step = t.batch * t.n_critic
        self.log = MetricsLog(run.path) if self.ranks.main else NullLog()  # rank 0 alone writes the run
        # NaN/inf/exploding values are caught before they are saved, and
        # Ctrl-C / SIGTERM save a checkpoint at the next step boundary.
        self.guard = DivergenceGuard(t, self.device, {"D": self.opt_d, "G": self.opt_g}, self.precision.dtype == torch.float16)
        self.checked_step = 0  # the last step the guard found healthy
        self.interrupts = GracefulInterrupts()
        self.hooks: list = []  # hook(step, done, generator) after every step's artefacts, e.g. --eval-every's FID tracker
        self.health = TrainingHealth(t, variety(data.images[:t.grid_size]))  # D winning, collapse: said, not fatal
        self.stabilisers = Stabilisers(RunFacts(config, self.device, self.G))  # --ema, --diffaug, ... (no-ops when off)
        D_for_g = self.D  # frozen D in G's step: no DDP gradient sync
        if t.compile:
            self.G_train = compiled(self.G_train)
            if not (self.variant.penalises_input_gradients or self.stabilisers.penalises_input_gradients):
                self.D_train, D_for_g = compiled(self.D_train), compiled(self.D)
        self.D_view = self.stabilisers.view(self.D_train)  # what the losses call: D behind the input tricks
        self.D_view_for_g = self.stabilisers.view(D_for_g)

    # --- one iteration ---------------------------------------------------------------------------

    def latent(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Noise and labels drawn for the global batch of n; each rank keeps its slice."""
        z = torch.randn(n, self.config.model.latent_dim, generator=self.noise, device=self.device)
        return self.ranks.shard(z), self.ranks.shard(self.variant.sample_labels(n, self.noise, self.device))

    def discriminator_step(self, keep_fake: bool = False) -> dict[str, torch.Tensor]:
        """One D update. ``keep_fake``: G's forward keeps its graph, and the batch is kept in
        ``self.kept_fake`` for G's next step, so an iteration runs G forward once (as the textbook does)."""
        real, real_labels = self.sampler.next(self.memory_format)
        z, fake_labels = self.latent(self.config.train.batch)
        with self.precision.autocast():
            with torch.set_grad_enabled(keep_fake):  # G_train: under DDP, G's gradients sync in G's step
                fake = (self.G_train if keep_fake else self.G)(z, fake_labels)
            self.kept_fake = (fake, fake_labels, z) if keep_fake else None
            shown, shown_labels = self.stabilisers.replay(fake.detach(), fake_labels)
            loss, stats = self.variant.discriminator_loss(self.D_view, real, real_labels, shown, shown_labels)
            for name, term in self.stabilisers.penalties(self.D_view, real, real_labels).items():
                loss = loss + term
                stats[name] = term.detach()
        self.precision.backward_and_step(loss, self.opt_d, self.guard.before_step)
        self.variant.after_discriminator_step(self.D)
        return stats | self.stabilisers.after_discriminator_step(stats)

    def generator_step(self, reuse_fake: bool = False) -> dict[str, torch.Tensor]:
        """One G update, on the batch D's last step kept (``reuse_fake``) or on a fresh one."""
        kept, self.kept_fake = self.kept_fake if reuse_fake else None, None
        self.D.requires_grad_(False)  # G's loss needs D's input gradient, not its weight gradients
        with self.precision.autocast():
            if kept is None:
                z, labels = self.latent(self.config.train.batch)
                fake = self.G_train(z, labels)
            else:
                fake, labels, z = kept
            loss, stats = self.variant.generator_loss(self.D_view_for_g, fake, labels)
            for name, term in self.stabilisers.generator_penalties(fake, z, labels).items():
                loss = loss + term
                stats[name] = term.detach()
        self.precision.backward_and_step(loss, self.opt_g, self.guard.before_step)
        self.D.requires_grad_(True)
        self.stabilisers.after_generator_step()
        return stats

    def train_step(self) -> dict[str, torch.Tensor]:
        stats: dict[str, torch.Tensor] = {}
        self.apply_learning_rates()
        self.stabilisers.before_iteration(self.step, self.fraction_done())
        # With one D step per iteration, G's first step trains on that step's fakes (D's updated
        # weights judge them), sparing a second G forward: the textbook DCGAN loop's order.
        t = self.config.train
        for _ in range(t.n_critic):
            stats.update(self.discriminator_step(keep_fake=t.n_critic == 1))
        for i in range(t.g_steps):
            stats.update(self.generator_step(reuse_fake=i == 0))
        return stats

    # --- the loop --------------------------------------------------------------------------------

    def fit(self) -> RunDir:
        t = self.config.train
        bar = tqdm(total=None if self.clock.budget else self.total_steps, initial=self.step, unit="step",
                   desc=f"training {self.config.model.name}", disable=not self.progress, dynamic_ncols=True)
        if self.progress:
            tqdm.write(f"artgan: training in {self.speed.describe()}", file=sys.stderr)
        self.clock.start()
        last_time, last_step = time.perf_counter(), self.step
        try:
            self.interrupts.install()
            if t.on_divergence == "rollback" and self.run.latest_checkpoint() is None:
                self.guard.remember_start(self.state_dict())
            done = False
            while self.step < self.total_steps and not done:
                began = time.perf_counter()
                stats = self.train_step()
                self.guard.watch_losses(stats)
                self.step += 1
                step_seconds = time.perf_counter() - began
                bar.update(1)
                done = self.step == self.total_steps or self.clock.up(self.step)
                boundary = done or self.interrupts.pending or any(self.step % n == 0 for n in (t.log_every, t.sample_every, t.checkpoint_every))
                if boundary:  # the guard costs a host sync, so it is asked only where something is written
                    if self.guard.diverged():
                        self.roll_back(bar)  # or the run stops, with what happened and what to try
                        continue
                    self.checked_step = self.step
                if self.step % t.log_every == 0 or done:
                    now = time.perf_counter()
                    speed = (self.step - last_step) * self.images_per_step / max(now - last_time, 1e-9)
                    self.record(stats, speed, bar)
                    last_time, last_step = now, self.step
                if self.step % t.sample_every == 0 or done:
                    self.save_samples()
                if self.step % t.checkpoint_every == 0 or done:
                    self.save_checkpoint()
                for hook in self.hooks if self.ranks.main else ():
                    hook(self.step, done, self.sampling_generator)  # called only when the hook samples
                self.threads.after_step(self.step, step_seconds)  # the next steps' threads, after this one's files
                if boundary and self.interrupts.agreed(self.device):
                    self.stop_for_interrupt()
        finally:
            self.interrupts.restore()
            bar.close()
            self.log.close()
        self.finish()
        return self.run

    def apply_learning_rates(self) -> None:
        """The optimizers' rates for this step: the one place they are written (``learning_rate.py``)."""
        lr_g, lr_d = learning_rates(self.config.train, self.step, self.guard.lr_scale, self.fraction_done())
        set_learning_rate(self.opt_g, lr_g)
        set_learning_rate(self.opt_d, lr_d)

    def fraction_done(self) -> float:
        """How far the run is through its planned length, 0 to 1: by its clock under --time, else by
        steps. What the learning-rate decay and the fading instance noise follow."""
        return min(self.clock.progress if self.clock.budget else self.step / self.total_steps, 1.0)

    def roll_back(self, bar) -> None:
        """Apply the guard's decision after a divergence: an earlier good state, lower learning rates."""
        decision = decide_after_divergence(self.guard, self.config.train, self.checked_step, self.step,
                                           self.run.checkpoints, self.ranks.main)
        self.load_state_dict(decision.state)
        self.guard.rollbacks, self.guard.lr_scale = decision.rollbacks, decision.lr_scale
        self.apply_learning_rates()
        self.guard.reset()
        self.checked_step = self.step
        self.log.truncate_after(self.step)
        if self.ranks.main:
            tqdm.write(decision.message, file=sys.stderr)
        bar.n = self.step
        bar.refresh()

    def stop_for_interrupt(self) -> None:
        """Save at this step boundary (unless the loop just did) and end the run, saying how to go on."""
        path = checkpoint_path(self.run.checkpoints, self.step)
        if not path.exists():
            path = self.save_checkpoint()
        raise self.interrupts.stopped(self.step, self.total_steps, path, self.run.path)

    def record(self, stats: dict[str, torch.Tensor], images_per_second: float, bar) -> None:
        names = list(stats)
        values = distributed.mean_over_ranks(torch.stack([stats[n].float() for n in names])).tolist() if names else []  # one host sync
        if not self.ranks.main:
            return
        row = dict(zip(names, values))
        row["images_per_second"] = images_per_second
        row["epoch"] = self.sampler.epoch
        row["lr_g"], row["lr_d"] = self.opt_g.param_groups[0]["lr"], self.opt_d.param_groups[0]["lr"]
        symptoms = self.health.observe(row)
        row |= {"precision": self.speed.precision, "memory_format": self.speed.memory_format, "threads": self.speed.threads}
        self.log.log(self.step, row)
        for symptom in self.health.new(symptoms):  # once each, when it starts; the bar shows it while it lasts
            tqdm.write(f"artgan: warning: step {self.step}: {symptom.what}; {symptom.advice}", file=sys.stderr)
        shown = {k: f"{v:.3f}" for k, v in row.items() if k in ("loss_d", "loss_g", *DISCRIMINATOR_OUTPUTS)}
        health = {"health": ", ".join(s.key for s in symptoms)} if symptoms else {}
        left = {"left": time_left(self.clock.left())} if self.clock.budget else {}
        bar.set_postfix(shown | {"img/s": f"{images_per_second:.0f}"} | left | health, refresh=False)

    # --- artefacts -------------------------------------------------------------------------------

    def sampling_generator(self) -> nn.Module:
        ema = self.stabilisers.sampling_generator()
        return self.G if ema is None else ema

    @torch.no_grad()
    def sample_grid(self, G: nn.Module | None = None) -> torch.Tensor:
        """The fixed noise's images, of the sampling generator or of ``G`` (another state of it)."""
        G = self.sampling_generator() if G is None else G
        was_training = G.training
        G.eval()
        with self.precision.autocast():
            images = G(self.fixed_z, self.fixed_labels)
        G.train(was_training)
        return to_uint8(images)

    def save_samples(self) -> Path:
        if not self.ranks.main:
            return self.run.samples
        self.run.samples.mkdir(parents=True, exist_ok=True)
        path = self.run.samples / f"step_{self.step:08d}.png"
        samples = self.sample_grid()
        self.health.observe_samples(samples)
        grid = make_grid(samples, columns=GRID_COLUMNS)
        save_image_atomic(grid, path)
        self.log.log_image("samples", np.asarray(grid.convert("RGB")), self.step)
        return path

    def state_dict(self) -> dict:
        state = {
            "step": self.step,
            **self.clock.state_dict(),
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "optimizer_g": self.opt_g.state_dict(),
            "optimizer_d": self.opt_d.state_dict(),
            "sampler": self.sampler.state_dict(),
            "noise_rng": self.noise.get_state(),
            "torch_rng": torch.get_rng_state(),
            "fixed_z": self.fixed_z,
            "variant": self.variant.state_dict(),
            "artgan_version": __version__,
            "divergence": self.guard.state_dict(),
            **self.stabilisers.state_dict(),
        }
        if self.device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict) -> None:
        self.step = state["step"]
        self.clock.load_state_dict(state)
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["optimizer_g"])
        self.opt_d.load_state_dict(state["optimizer_d"])
        match_parameter_layouts(self.opt_g)
        match_parameter_layouts(self.opt_d)
        self.sampler.load_state_dict(state["sampler"])
        self.noise.set_state(state["noise_rng"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], self.device)
        self.fixed_z = state["fixed_z"].to(self.device)
        self.variant.load_state_dict(state["variant"])
        self.stabilisers.load_state_dict(state)
        if "divergence" in state:  # runs from before the guard have none
            self.guard.load_state_dict(state["divergence"])
        self.apply_learning_rates()

    def save_checkpoint(self) -> Path:
        path = checkpoint_path(self.run.checkpoints, self.step)
        if not self.ranks.main:
            return path
        previous = self.run.latest_checkpoint()
        try:
            save_checkpoint(path, self.state_dict())
        except DiskFullError as error:
            kept = f"the last good checkpoint {previous} is intact" if previous else "no checkpoint was written yet"
            raise DiskFullError(f"{error}. Step {self.step} was not saved; {kept}; resume with "
                                f"`artgan train --out {self.run.path} --resume`") from None
        prune_checkpoints(self.run.checkpoints, self.config.train.keep_checkpoints)
        return path

    def resume(self) -> bool:
        """Continue from the newest intact checkpoint; False when there is none (a fresh start).

        A damaged newest checkpoint is renamed ``*.corrupt`` (with a warning) and the one before it
        is used; temp files of a write that a crash cut short are removed.
        """
        with distributed.main_first():  # rank 0 tidies and quarantines, then every rank reads
            if self.ranks.main:
                remove_stale_temp_files(self.run.checkpoints)
            found = newest_good_checkpoint(self.run.checkpoints, quarantine=self.ranks.main)
        if found is None:
            return False
        try:
            self.load_state_dict(found[1])
        except (RuntimeError, KeyError, ValueError) as error:  # shapes or entries that do not fit
            reason = str(error).strip().splitlines()[0][:160]
            raise ArtganError(
                f"checkpoint {found[0]} does not fit this run ({reason}): it was made with another config or data "
                f"set. Resume with the run's own config.yaml and data, or start a new run with another --out"
            ) from None
        self.threads.resumed_at(self.step)
        self.log.truncate_after(self.step)
        self.health.prime(read_metrics(self.run.path))
        return True

    def finish(self) -> None:
        """Final grid, training curves and the timelapse of every fixed-noise grid so far."""
        if not self.ranks.main:
            return
        save_image_atomic(upscale(make_grid(self.sample_grid(), columns=GRID_COLUMNS)), self.run.path / "samples.png")
        plot_training_curves(read_metrics(self.run.path), self.run.path / "training_curves.png")
        save_timelapse(sorted(self.run.samples.glob("step_*.png")), self.run.path / "timelapse.gif")
        report_at_end(self.health, self.run, self.step)  # a failed-looking run says so, and run.json keeps it

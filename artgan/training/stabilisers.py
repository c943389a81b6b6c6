"""Training tricks every variant gets, as hooks at fixed points of the one loop.

A stabiliser overrides only the hooks it needs; the trainer calls the ``Stabilisers`` container at
those points and never asks which tricks are on. Each keeps its own random generator and puts
what it carries between steps into the checkpoint, so a resumed run matches an uninterrupted one.

Hook points, in loop order: ``before_iteration(step, progress)``; in D's step ``replay`` (which fakes D
sees), ``discriminator_input`` (what every image looks like to D, also in G's step) and
``penalties`` (extra D loss terms), ``after_discriminator_step`` (sees the variant's statistics, may
add its own); in G's step ``generator_penalties`` (extra G loss terms, given the noise);
``after_generator_step``; ``sampling_generator`` for grids.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from artgan.config import Config, TrainConfig
from artgan.errors import ArtganError
from artgan.ranks import per_sample
from artgan.training.augment import ada_probability, diff_augment
from artgan.training.distributed import GlobalBatchNorm, gather_batch, gather_batch_with_gradient, mean_over_ranks
from artgan.variants.losses import r1_penalty


@dataclass(frozen=True)
class RunFacts:
    """What a stabiliser may know of the run: its config, device and generator."""

    config: Config
    device: torch.device
    G: nn.Module


class Stabiliser:
    """Every hook a no-op; ``enabled`` says from the config whether the trick is on."""

    seed_offset: ClassVar[int] = 0  # distinct random stream per stabiliser

    @staticmethod
    def enabled(t: TrainConfig) -> bool:
        raise NotImplementedError

    def __init__(self, run: RunFacts):
        self.run, self.t, self.device = run, run.config.train, run.device
        self.rng = torch.Generator(run.device).manual_seed(self.t.seed + 1000 + self.seed_offset)

    def before_iteration(self, step: int, progress: float) -> None: ...
    def replay(self, fake: torch.Tensor, labels: torch.Tensor | None): return fake, labels
    def discriminator_input(self, images: torch.Tensor) -> torch.Tensor: return images
    def penalties(self, D, real: torch.Tensor, labels: torch.Tensor | None) -> dict[str, torch.Tensor]: return {}
    def after_discriminator_step(self, stats: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]: return {}
    def generator_penalties(self, fake: torch.Tensor, z: torch.Tensor,
                            labels: torch.Tensor | None) -> dict[str, torch.Tensor]: return {}
    def after_generator_step(self) -> None: ...
    def sampling_generator(self) -> nn.Module | None: return None

    def state_dict(self) -> dict:
        """Top-level checkpoint entries."""
        return {f"rng_{type(self).__name__}": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.set_state(state[f"rng_{type(self).__name__}"])


class DiffAugment(Stabiliser):
    """--diffaug: Zhao et al. 2020's differentiable augmentation of everything D sees.

    With ``--augment ada`` each transform applies with probability p, which starts at 0 and every
    ``--ada-interval`` D steps moves towards keeping E[sign D(real)] at ``--ada-target``
    (Karras et al. 2020). p lives on the device, is logged as ``augment_p`` and is checkpointed.
    """

    enabled = staticmethod(lambda t: t.diffaug)
    seed_offset = 1

    def __init__(self, run):
        super().__init__(run)
        self.adaptive = self.t.augment == "ada"
        zero = torch.zeros((), device=self.device)
        self.p, self.signs, self.steps = zero.clone(), zero.clone(), 0

    def discriminator_input(self, images):
        return diff_augment(images, self.t.diffaug_policy, self.rng, self.p if self.adaptive else None)

    def after_discriminator_step(self, stats):
        if not self.adaptive:
            return {}
        if "d_real_sign" not in stats:
            raise ArtganError(f"--augment ada needs the variant to report d_real_sign; "
                              f"model {self.run.config.model.name!r} does not (see variants/base.py)")
        t = self.t
        self.signs += stats["d_real_sign"].float()
        self.steps += 1
        if self.steps == t.ada_interval:
            r_t = mean_over_ranks(self.signs / self.steps)
            self.p = ada_probability(self.p, r_t, t.ada_target, t.batch * self.steps, t.ada_images)
            self.signs.zero_()
            self.steps = 0
        return {"augment_p": self.p}

    def state_dict(self):
        return super().state_dict() | {"ada_p": self.p, "ada_signs": self.signs, "ada_steps": self.steps}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        if "ada_p" in state:  # runs from before ADA have none
            device = self.device
            self.p, self.signs, self.steps = state["ada_p"].to(device), state["ada_signs"].to(device), state["ada_steps"]


class InstanceNoise(Stabiliser):
    """--instance-noise S: Gaussian noise on D's inputs, std fading linearly from S to 0 over the run,
    so the real and fake distributions overlap early on (Sønderby et al. 2017; Arjovsky & Bottou 2017)."""

    enabled = staticmethod(lambda t: t.instance_noise > 0)
    seed_offset = 2

    def __init__(self, run):
        super().__init__(run)
        self.std = self.t.instance_noise

    def before_iteration(self, step: int, progress: float) -> None:
        self.std = self.t.instance_noise * max(0.0, 1.0 - progress)

    def discriminator_input(self, images):
        noise = per_sample(lambda n: torch.randn((n, *images.shape[1:]), generator=self.rng, device=images.device,
                                                 dtype=images.dtype), len(images))
        return images + self.std * noise


class ExperienceReplay(Stabiliser):
    """--replay P: each fake shown to D is, with probability P, swapped for an old fake (and its label)
    from a buffer of past generator outputs, so D keeps punishing modes G has left (Shrivastava et al.
    2017; "ganhacks"). The buffer is filled, then overwritten at random slots; fp16 halves its size."""

    enabled = staticmethod(lambda t: t.replay > 0)
    seed_offset = 3

    def __init__(self, run):
        super().__init__(run)
        self.images: torch.Tensor | None = None
        self.labels: torch.Tensor | None = None

    def replay(self, fake, labels):
        t = self.t
        shown, shown_labels = fake, labels
        if self.images is not None:
            n = len(fake)
            swap = per_sample(lambda m: torch.rand(m, generator=self.rng, device=fake.device), n) < t.replay
            pick = per_sample(lambda m: torch.randint(0, len(self.images), (m,), generator=self.rng, device=fake.device), n)
            shown = torch.where(swap.view(-1, 1, 1, 1), self.images[pick].to(fake.dtype), fake)
            if labels is not None:
                shown_labels = torch.where(swap, self.labels[pick], labels)
        self.remember(gather_batch(fake.detach()), gather_batch(labels))  # under torchrun every rank keeps the global buffer
        return shown, shown_labels

    def remember(self, fake: torch.Tensor, labels: torch.Tensor | None) -> None:
        with torch.autocast(fake.device.type, enabled=False):  # CPU bf16 autocast refuses to cat fp16
            self._remember(fake.half().contiguous(), labels)

    def _remember(self, fake: torch.Tensor, labels: torch.Tensor | None) -> None:
        room = self.t.replay_size - (0 if self.images is None else len(self.images))
        if room > 0:
            fake, labels = fake[:room], None if labels is None else labels[:room]
            self.images = fake if self.images is None else torch.cat([self.images, fake])
            if labels is not None:
                self.labels = labels if self.labels is None else torch.cat([self.labels, labels])
            return
        slots = torch.randint(0, len(self.images), (len(fake),), generator=self.rng, device=fake.device)
        self.images[slots] = fake
        if labels is not None:
            self.labels[slots] = labels

    def state_dict(self):
        return super().state_dict() | {"replay_images": self.images, "replay_labels": self.labels}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        device = self.device
        self.images = None if state["replay_images"] is None else state["replay_images"].to(device)
        self.labels = None if state["replay_labels"] is None else state["replay_labels"].to(device)


class R1(Stabiliser):
    """--r1 GAMMA: gamma / 2 * E||grad D(x)||^2 at real images (Mescheder, Geiger & Nowozin 2018).

    With ``--r1-every N`` only every Nth iteration pays for the second backward pass, and its term
    weighs N times as much, so the penalty per iteration is the same on average (Karras et al. 2020,
    StyleGAN2). The iteration number decides, so a resumed run penalises the same steps.
    """

    enabled = staticmethod(lambda t: t.r1 > 0)

    def __init__(self, run):
        super().__init__(run)
        self.due = True
        self.last = torch.zeros((), device=self.device)

    def before_iteration(self, step, progress):
        self.due = step % self.t.r1_every == 0

    def penalties(self, D, real, labels):
        if not self.due:
            return {}
        term = self.t.r1 / 2 * r1_penalty(D, real, labels)
        self.last = term.detach()
        return {"r1_penalty": self.t.r1_every * term}

    def after_discriminator_step(self, stats):
        return {"r1_penalty": self.last}  # the last one measured, on lazy steps too, unweighted


class ModeSeeking(Stabiliser):
    """--mode-seeking LAMBDA: lambda / (ratio + eps), where ratio is the mean over pairs of one class of
    |G(z1, c) - G(z2, c)|_1 / |z1 - z2|_1 (Mao et al. 2019, Mode Seeking GANs for Diverse Image Synthesis).

    why: a conditional G can satisfy D with one image per class (the label alone says what to draw),
    and nothing in the adversarial loss asks different noise to give different images. Unconditional
    models count every pair as one class."""

    enabled = staticmethod(lambda t: t.mode_seeking > 0)

    def generator_penalties(self, fake, z, labels):
        # Pairs over the global batch, so every rank computes the one term a single process would.
        fake, z, labels = gather_batch_with_gradient(fake), gather_batch(z), gather_batch(labels)
        n = len(fake)
        same = torch.ones(n, n, dtype=torch.bool, device=fake.device) if labels is None else labels[:, None] == labels[None, :]
        pairs = torch.triu(same, diagonal=1)
        if not pairs.any():
            return {}
        images = torch.cdist(fake.float().flatten(1), fake.float().flatten(1), p=1) / fake[0].numel()
        noise = torch.cdist(z.float().flatten(1), z.float().flatten(1), p=1) / z[0].numel()
        ratio = (images[pairs] / noise[pairs].clamp_min(1e-8)).mean()
        return {"mode_seeking": self.t.mode_seeking / (ratio + 1e-5)}


class EMAGenerator(Stabiliser):
    """--ema: an exponential moving average of G's weights, which samples better than G itself
    (Yazıcı et al. 2019; Karras et al.). It draws the grids and is saved as ``generator_ema``.

    The decay ramps up as min(decay, (1 + n) / (10 + n)) so a short run is not dominated by the
    random initial weights (TensorFlow's ExponentialMovingAverage with num_updates).

    Batch-norm statistics are not averaged but measured: before the average samples (or is saved),
    its own activations on a fixed set of noise set its running statistics ("standing statistics",
    Brock et al. 2019). The live G's statistics belong to the live weights; used with the averaged
    ones they shift every layer's normalisation. On the clip-art collection the same averaged
    weights scored a lower KID with their own statistics at every step measured (docs/quality.md).
    """

    enabled = staticmethod(lambda t: t.ema)
    statistics_batches, statistics_batch_size = 4, 64  # 256 samples: four forward passes per grid or checkpoint

    def __init__(self, run):
        super().__init__(run)
        self.G = run.G
        self.model = copy.deepcopy(run.G).eval().requires_grad_(False)
        self.norms = [m for m in self.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        for norm in self.norms:
            if isinstance(norm, GlobalBatchNorm):  # each rank measures the same noise alone (rank 0 alone draws grids)
                norm.across_ranks = False
        self.updates = 0
        self.stale = True  # the statistics do not yet belong to the averaged weights

    @torch.no_grad()
    def after_generator_step(self) -> None:
        self.updates += 1
        decay = min(self.t.ema_decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(list(self.model.parameters()), list(self.G.parameters()), 1.0 - decay)
        self.stale = True

    @torch.no_grad()
    def measure_statistics(self) -> None:
        """The averaged weights' own batch-norm statistics, from fixed noise: a function of the
        weights alone, so a resumed run and an uninterrupted one save the same numbers."""
        noise = torch.Generator(self.device).manual_seed(self.t.seed + 2000)
        num_classes = getattr(self.model, "num_classes", 0)
        momenta = [norm.momentum for norm in self.norms]
        for norm in self.norms:
            norm.reset_running_stats()
            norm.momentum = None  # a plain average over the batches
        self.model.train()
        for _ in range(self.statistics_batches):
            z = torch.randn(self.statistics_batch_size, self.run.config.model.latent_dim, generator=noise,
                            device=self.device)
            labels = (torch.randint(num_classes, (len(z),), generator=noise, device=self.device)
                      if num_classes else None)
            self.model(z, labels)
        self.model.eval()
        for norm, momentum in zip(self.norms, momenta):
            norm.momentum = momentum
        self.stale = False

    def sampling_generator(self):
        if self.stale and self.norms:  # a G without batch norm has nothing to measure
            self.measure_statistics()
        return self.model

    def state_dict(self):
        return {"generator_ema": self.sampling_generator().state_dict(), "ema_updates": self.updates}

    def load_state_dict(self, state):
        self.model.load_state_dict(state["generator_ema"])
        self.updates = state["ema_updates"]
        self.stale = True  # checkpoints from before standing statistics hold the live G's


# Order matters where hooks compose: D's inputs are augmented first, then noised.
STABILISERS: list[type[Stabiliser]] = [DiffAugment, InstanceNoise, ExperienceReplay, R1, ModeSeeking, EMAGenerator]


class Stabilisers:
    """The tricks switched on in the config, called in ``STABILISERS`` order at each hook point."""

    def __init__(self, run: RunFacts):
        self.active = [cls(run) for cls in STABILISERS if cls.enabled(run.config.train)]

    def before_iteration(self, step: int, progress: float) -> None:
        for s in self.active:
            s.before_iteration(step, progress)

    def replay(self, fake, labels):
        for s in self.active:
            fake, labels = s.replay(fake, labels)
        return fake, labels

    def discriminator_input(self, images: torch.Tensor) -> torch.Tensor:
        for s in self.active:
            images = s.discriminator_input(images)
        return images

    def view(self, D: nn.Module):
        """D as the losses should call it: with every input transform applied first (or D itself)."""
        if all(type(s).discriminator_input is Stabiliser.discriminator_input for s in self.active):
            return D
        return lambda images, *args, **kwargs: D(self.discriminator_input(images), *args, **kwargs)

    def generator_penalties(self, fake, z, labels) -> dict[str, torch.Tensor]:
        terms: dict[str, torch.Tensor] = {}
        for s in self.active:
            terms.update(s.generator_penalties(fake, z, labels))
        return terms

    @property
    def penalises_input_gradients(self) -> bool:
        """True when a penalty (R1) differentiates D's input gradient, so D must stay twice differentiable."""
        return any(type(s).penalties is not Stabiliser.penalties for s in self.active)

    def penalties(self, D, real, labels) -> dict[str, torch.Tensor]:
        terms: dict[str, torch.Tensor] = {}
        for s in self.active:
            terms |= s.penalties(D, real, labels)
        return terms

    def after_discriminator_step(self, stats: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Extra statistics to log (e.g. ADA's p), given the variant's statistics of that D step."""
        extra: dict[str, torch.Tensor] = {}
        for s in self.active:
            extra |= s.after_discriminator_step(stats)
        return extra

    def after_generator_step(self) -> None:
        for s in self.active:
            s.after_generator_step()

    def sampling_generator(self) -> nn.Module | None:
        return next((g for s in self.active if (g := s.sampling_generator()) is not None), None)

    def state_dict(self) -> dict:
        state: dict = {}
        for s in self.active:
            state |= s.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        for s in self.active:
            s.load_state_dict(state)

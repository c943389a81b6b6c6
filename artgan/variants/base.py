"""The plug-in seam between a GAN variant and the one training loop.

A variant says which networks it trains, with which optimizers, and how its two losses are
computed; the trainer owns everything else (batches, scheduling, precision, logging,
checkpoints). This follows StyleGAN2-ADA's ``Loss`` object: the loop never asks which variant
it is running.

The contract (``tests/variants/test_contract.py`` walks the registry and checks it):

- **One file.** ``artgan/variants/<name>.py`` holds a ``Variant`` subclass decorated with
  ``@register_variant``; the package imports every module in its folder, so nothing else is
  edited. New loss formulas go to ``losses.py``, with the paper they follow in the docstring.
- **Class attributes.** ``name`` (the ``--model`` value), ``paper``; ``conditional`` (G and D take
  class labels), ``uses_labels`` (D learns from real labels, G does not: CAN),
  ``penalises_input_gradients`` (D's loss differentiates D's input gradient: WGAN-GP),
  ``real_fake_targets`` (D is trained towards real/fake targets, so ``--label-smoothing`` and
  ``--label-flip`` apply, and ``sigmoid(D)`` reads as P(real) when ranking samples), ``defaults``
  (config values the variant needs, layered between the dataclass defaults and the user's),
  ``model_config`` (the model section's class: ``ModelConfig``, or a dataclass subclass of it
  declared in the variant's file whose extra ``option(...)`` fields are options only this variant
  reads, e.g. WGAN's ``weight_clip``; each becomes a flag, a config key and an API keyword, with
  its help and limit, and is refused for a model that does not read it).
- **Losses.** ``discriminator_loss`` and ``generator_loss`` return ``(loss, stats)``; ``stats``
  are detached scalars: ``loss_d`` / ``loss_g``, plus what D's outputs say, from
  ``logit_stats`` (D outputs logits of P(real): ``d_real``, ``d_fake``) or ``critic_stats`` (raw
  scores: ``critic_real``, ``critic_fake`` and their gap). Both report ``d_real_sign``, ADA's
  overfitting signal that ``--augment ada`` steers by. ``DISCRIMINATOR_OUTPUTS`` lists the
  statistics that the progress bar, training_curves.png and the app's Runs page show together;
  anything else a variant reports is logged and plotted in a panel of its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from artgan.config import Config, ModelConfig
from artgan.errors import ArtganError
from artgan.models import DCGANDiscriminator, DCGANGenerator
from artgan.ranks import per_sample
from artgan.variants.losses import noisy_targets

# (loss to back-propagate, detached statistics to log such as d_real = mean D(x))
LossOutput = tuple[torch.Tensor, dict[str, torch.Tensor]]


class Variant:
    """Base class: DCGAN networks and Adam/RMSprop from the config; subclasses define the losses."""

    name: ClassVar[str] = ""
    paper: ClassVar[str] = ""
    conditional: ClassVar[bool] = False  # True: needs class labels, G and D take them
    uses_labels: ClassVar[bool] = False  # True: D learns from real labels though G is unconditional (CAN)
    penalises_input_gradients: ClassVar[bool] = False  # True: D's loss differentiates D's input gradient (WGAN-GP)
    real_fake_targets: ClassVar[bool] = True  # D is trained towards real/fake targets (label tricks apply)
    defaults: ClassVar[dict[str, dict[str, Any]]] = {}  # config overrides, e.g. {"train": {"lr_d": 5e-5}}
    model_config: ClassVar[type[ModelConfig]] = ModelConfig  # a subclass adds the variant's own options

    def __init__(self, config: Config, channels: int, num_classes: int = 0):
        self.config = config
        self.channels = channels
        self.num_classes = num_classes
        self.size = config.data.size
        # The variant's own randomness (label noise, penalty interpolation), checkpointed for exact resume.
        self.rng = torch.Generator().manual_seed(config.train.seed + 7)
        t = config.train
        if not self.real_fake_targets and (t.label_smoothing > 0 or t.label_flip > 0):
            from artgan.variants.registry import VARIANTS  # the registry imports this module

            usable = ", ".join(sorted(n for n, cls in VARIANTS.items() if cls.real_fake_targets))
            raise ArtganError(f"--label-smoothing and --label-flip change D's real/fake targets; model {self.name!r} "
                              f"has no such targets, so leave them at 0 (or use one of {usable})")

    # --- networks and optimizers ---------------------------------------------------------------

    def build_generator(self) -> nn.Module:
        m = self.config.model
        return DCGANGenerator(m.latent_dim, self.channels, self.size, m.g_width, m.extra_layers)

    def build_discriminator(self) -> nn.Module:
        m = self.config.model
        return DCGANDiscriminator(self.channels, self.size, m.d_width, m.extra_layers, norm=m.d_norm)

    def build_optimizers(self, generator: nn.Module, discriminator: nn.Module):
        t = self.config.train
        return make_optimizer(generator, t.optimizer, t.lr_g, t), make_optimizer(discriminator, t.optimizer, t.lr_d, t)

    # --- losses: the whole difference between variants ------------------------------------------

    def discriminator_loss(self, D: nn.Module, real: torch.Tensor, real_labels: torch.Tensor | None,
                           fake: torch.Tensor, fake_labels: torch.Tensor | None) -> LossOutput:
        raise NotImplementedError

    def generator_loss(self, D: nn.Module, fake: torch.Tensor, fake_labels: torch.Tensor | None) -> LossOutput:
        raise NotImplementedError

    def targets(self, n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Real and fake targets for D (1 and 0), with --label-smoothing / --label-flip applied."""
        t = self.config.train
        real, fake = per_sample(lambda m: noisy_targets(m, t.label_smoothing, t.smooth_fake, t.label_flip, self.rng), n)
        return real.to(device), fake.to(device)

    def after_discriminator_step(self, D: nn.Module) -> None:
        """Called after each D update (WGAN clips its weights here)."""

    # --- what the generator is fed -------------------------------------------------------------

    def sample_labels(self, n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor | None:
        """Uniformly drawn classes for conditional variants; None otherwise."""
        if not self.conditional:
            return None
        return torch.randint(0, self.num_classes, (n,), generator=generator, device=device)

    def state_dict(self) -> dict:
        """Anything the variant keeps between steps that a checkpoint must hold."""
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        if "rng" in state:
            self.rng.set_state(state["rng"])


def make_optimizer(module: nn.Module, kind: str, lr: float, t) -> torch.optim.Optimizer:
    # Adam fused=True: one kernel updates every tensor (CPU and CUDA); on this 2-core CPU it steps
    # G + D in 10 ms against 24 ms for the per-tensor loop and 51 ms for foreach (benchmarks/README.md).
    if kind == "rmsprop":
        return torch.optim.RMSprop(module.parameters(), lr=lr)  # foreach on GPUs, the plain loop on CPU
    return torch.optim.Adam(module.parameters(), lr=lr, betas=(t.beta1, t.beta2), fused=True)


def match_parameter_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Give loaded optimizer state its parameter's memory layout (channels-last convolution weights).

    Checkpoints store tensors contiguous, and torch's fused CPU Adam walks the state in the
    parameter's memory order without checking strides: a channels-last weight with contiguous
    moments is updated with the wrong moments, silently (torch 2.13).
    """
    for group in optimizer.param_groups:
        for param in group["params"]:
            state = optimizer.state.get(param, {})
            for key, value in state.items():
                if torch.is_tensor(value) and value.shape == param.shape and value.stride() != param.stride():
                    state[key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


# D-output statistics shown side by side wherever a run's curves are drawn, with their labels.
DISCRIMINATOR_OUTPUTS = {"d_real": "D(x)", "d_fake": "D(G(z))", "d_fake_g": "D(G(z)) in G's step"}


def logit_stats(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict[str, torch.Tensor]:
    """What D's logits of P(real) say: mean D(x), mean D(G(z)) as probabilities, and E[sign D(x)]."""
    return {"d_real": mean_sigmoid(real_logits), "d_fake": mean_sigmoid(fake_logits), "d_real_sign": real_sign(real_logits)}


def critic_stats(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean raw critic scores, and their gap: for WGAN, the critic's running estimate of the Wasserstein distance."""
    real, fake = real_scores.detach().float().mean(), fake_scores.detach().float().mean()
    return {"critic_real": real, "critic_fake": fake, "wasserstein": real - fake, "d_real_sign": real_sign(real_scores)}


def mean_sigmoid(logits: torch.Tensor) -> torch.Tensor:
    """D's mean probability of 'real', the D(x) / D(G(z)) curves every report plotted."""
    return torch.sigmoid(logits.detach().float()).mean()


def real_sign(logits: torch.Tensor) -> torch.Tensor:
    """E[sign D(x)] on real images: ADA's r_t (Karras et al. 2020), 1 when D is sure of every one."""
    return torch.sign(logits.detach().float()).mean()

"""Load a trained generator from a run directory and sample from it.

Only the generator's tensors are read from the checkpoint (safetensors loads lazily), so
sampling does not pay for the discriminator and optimizer state. ``precision="auto"`` samples in
bf16 where the run trained in bf16 or mixed (the precision its calibration measured fastest) and
this device computes bf16 natively: about 2x fp32 on AVX-512-BF16 CPUs (benchmarks/README.md).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from artgan.config import Config
from artgan.data import to_uint8
from artgan.errors import ArtganError
from artgan.runs.best import BEST_FILE, checkpoint_candidates
from artgan.runs.checkpoint import CorruptCheckpoint, checkpoint_entries, load_parts, newest_good_checkpoint
from artgan.device import DTYPES, native_precisions, resolve_device
from artgan.runs.run_dir import RunDir, open_run
from artgan.hub.resolve import resolve_run
from artgan.runs.published import GENERATOR_FILE, is_published, load_generator_file
from artgan.variants import Variant, get_variant

# Checkpoint entries holding generator weights, best first (an EMA generator samples better).
GENERATOR_KEYS = ("generator_ema", "generator")


def check_truncation(psi: float) -> None:
    if not 0.0 <= psi <= 1.0:
        raise ArtganError(f"--truncation must be between 0 (the mean image) and 1 (no truncation), got {psi}")


def truncate(z: torch.Tensor, psi: float, mean: torch.Tensor | None = None) -> torch.Tensor:
    """The truncation trick: each latent moved toward the mean latent, ``mean + psi * (z - mean)``.

    psi = 1 leaves the samples as drawn; smaller values trade variety for typical, cleaner images;
    0 gives the mean latent's image for every seed. The linear form is StyleGAN's (Karras et al.
    2019, appendix B, in W) applied to z; BigGAN (Brock et al. 2019) resamples instead.
    The mean of artgan's N(0, I) prior is the origin, which is the default ``mean``.
    """
    check_truncation(psi)
    if psi == 1.0:
        return z
    mean = torch.zeros_like(z) if mean is None else mean.to(z)
    return mean + psi * (z - mean)


@dataclass
class LoadedGenerator:
    generator: nn.Module
    variant: Variant
    config: Config
    class_names: list[str] | None
    step: int
    device: torch.device
    precision: str = "fp32"  # fp32, bf16 or fp16: the autocast dtype of the forward pass
    checkpoint: Path | None = None  # the file the weights came from (None: a published run's generator)

    @property
    def from_best(self) -> bool:
        return self.checkpoint is not None and self.checkpoint.name == BEST_FILE

    def describe_checkpoint(self) -> str:
        """``the best checkpoint (step 400)`` or ``step 600``: what the samples were drawn from."""
        return f"the best checkpoint (step {self.step})" if self.from_best else f"step {self.step}"

    @property
    def conditional(self) -> bool:
        return self.variant.conditional

    @property
    def latent_dim(self) -> int:
        return self.config.model.latent_dim

    def class_index(self, name: str) -> int:
        if not self.conditional or not self.class_names:
            raise ArtganError(f"this run's model ({self.variant.name}) is unconditional: it cannot generate a chosen class")
        lookup = {c.lower(): i for i, c in enumerate(self.class_names)}
        if name.lower() in lookup:
            return lookup[name.lower()]
        if name.isdigit() and int(name) < len(self.class_names):
            return int(name)
        raise ArtganError(f"unknown class {name!r}; this run's classes are: {', '.join(self.class_names)}")

    def noise(self, n: int, seed: int, truncation: float = 1.0) -> torch.Tensor:
        """n latent vectors from one seed, drawn on the CPU so a seed means the same on every device."""
        z = torch.randn(n, self.latent_dim, generator=torch.Generator().manual_seed(seed))
        return truncate(z, truncation).to(self.device)

    def seed_noise(self, seeds: list[int], truncation: float = 1.0) -> torch.Tensor:
        """One latent vector per seed (stylegan2-ada's --seeds): seed s gives the same image whatever else is asked."""
        z = torch.cat([torch.randn(1, self.latent_dim, generator=torch.Generator().manual_seed(s)) for s in seeds])
        return truncate(z, truncation).to(self.device)

    @torch.no_grad()
    def __call__(self, z: torch.Tensor, labels: torch.Tensor | None = None, batch: int = 256) -> torch.Tensor:
        """Latent vectors (and labels) -> uint8 images, in batches to bound memory."""
        if self.conditional and labels is None:
            labels = torch.arange(len(z)) % len(self.class_names)
        out = []
        for start in range(0, len(z), batch):
            chunk_labels = labels[start:start + batch].to(self.device) if labels is not None else None
            with self.autocast():
                images = self.generator(z[start:start + batch].to(self.device), chunk_labels)
            out.append(to_uint8(images).cpu())
        return torch.cat(out) if out else torch.empty(0, dtype=torch.uint8)

    def autocast(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=DTYPES[self.precision])

    def sample(self, n: int, seed: int = 0, class_name: str | None = None, truncation: float = 1.0) -> torch.Tensor:
        labels = torch.full((n,), self.class_index(class_name)) if class_name is not None else None
        return self(self.noise(n, seed, truncation), labels)

    def sample_seeds(self, seeds: list[int], class_name: str | None = None, truncation: float = 1.0) -> torch.Tensor:
        """One image per seed; a conditional model draws class ``seed % classes`` unless one is chosen."""
        labels = None
        if self.conditional:
            labels = torch.tensor([self.class_index(class_name) if class_name is not None else s % len(self.class_names)
                                   for s in seeds])
        elif class_name is not None:
            self.class_index(class_name)  # the unconditional model's error
        return self(self.seed_noise(seeds, truncation), labels)


def load_generator(run_path: str | Path, device: str = "cpu", checkpoint: str | int | None = None,
                   precision: str = "fp32") -> LoadedGenerator:
    """A run's generator (its EMA copy when it has one), ready to sample on ``device`` (auto, cpu, cuda, mps).

    ``checkpoint``: ``"best"``, ``"last"`` or a step; None: the best checkpoint when the run kept one
    (``--eval-every``), else the last.

    ``precision``: fp32 (what evaluation compares), bf16, fp16, or auto (see the module's docstring).

    ``run_path`` is a run directory, a published run's folder (``artgan.runs.published``), or ``hf:user/name``.
    """
    run = RunDir(Path(resolve_run(str(run_path))))
    published = is_published(run.path) and run.latest_checkpoint() is None
    if published and checkpoint is not None:
        raise ArtganError(f"{run_path} is a published run: it holds one generator, so --checkpoint {checkpoint} does not apply")
    if not published:
        run = open_run(run.path)
    config, info = run.read_config(), run.read_info()
    variant = get_variant(config.model.name)(config, info["channels"], len(info["class_names"] or []))
    generator = variant.build_generator()
    path = None
    if published:
        weights, step = load_generator_file(run.path / GENERATOR_FILE)
    else:
        path, (weights, step) = read_chosen_generator(run, checkpoint)
    try:
        generator.load_state_dict(weights)
    except RuntimeError as error:
        raise ArtganError(f"the generator weights in {run.path} do not fit its config.yaml "
                          f"({str(error).strip().splitlines()[0][:120]})") from None
    target = resolve_device(device)
    speed = info.get("speed", {})
    layout = torch.channels_last if speed.get("memory_format", "channels-last") == "channels-last" else torch.contiguous_format
    generator.to(target, memory_format=layout).eval()
    return LoadedGenerator(generator, variant, config, info["class_names"], step, target,
                           sampling_precision(precision, speed.get("precision", "fp32"), target), path)


def read_chosen_generator(run: RunDir, checkpoint: str | int | None) -> tuple[Path, tuple[dict, int]]:
    """The generator of the checkpoint ``checkpoint`` means (``artgan.runs.best``); by default a damaged
    best or newest one falls back to the next, while a checkpoint asked for by name is that one or an error."""
    candidates = checkpoint_candidates(run, checkpoint)
    if checkpoint is not None and len(candidates) == 1:
        return candidates[0], read_generator(candidates[0])
    return newest_good_checkpoint(run.checkpoints, read=read_generator, candidates=candidates)


def read_generator(path: Path) -> tuple[dict, int]:
    """The generator's weights (the EMA ones where the run kept them) and the step, nothing else."""
    entries = checkpoint_entries(path)
    key = next((k for k in GENERATOR_KEYS if k in entries), None)
    if key is None:
        raise CorruptCheckpoint(f"checkpoint {path} holds no generator (its entries: {', '.join(entries)})")
    parts = load_parts(path, [key, "step"])
    return parts[key], int(parts["step"])


def sampling_precision(asked: str, trained: str, device: torch.device) -> str:
    """``auto``: the half precision the run trained in (mixed samples as bf16), where this device has it natively."""
    if asked != "auto":
        return asked
    half = {"mixed": "bf16"}.get(trained, trained)
    return half if half != "fp32" and half in native_precisions(device) else "fp32"


def sample_images(run_path: str | Path, n: int, seed: int = 0, class_name: str | None = None) -> torch.Tensor:
    """``n`` uint8 images (N, C, H, W) from a trained run."""
    return load_generator(run_path).sample(n, seed, class_name)


__all__ = ["LoadedGenerator", "load_generator", "sample_images", "truncate", "RunDir"]

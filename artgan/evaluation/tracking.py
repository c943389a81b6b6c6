"""`--eval-every N`: FID in domain features during training, logged as ``fid_domain`` beside the losses.

Losses of a GAN say little about image quality; this curve does. The domain classifier and the
real reference features are computed once, before the first step, on the same real split that
`artgan evaluate` uses, and the classifier is saved in the run so evaluate (and a resumed run)
measure in the very same feature space. The samples come from one fixed noise batch, so the curve
moves because G changed, not because the noise did.
"""

from __future__ import annotations

from pathlib import Path

import torch

from artgan.data import ImageSet, to_uint8
from artgan.evaluation.evaluate import domain_classifier_for
from artgan.evaluation.features import DomainFeatures, extract
from artgan.evaluation.metrics import fid
from artgan.evaluation.split import split_real


class FIDTracker:
    """A trainer hook: ``tracker(trainer, done)`` after each step measures FID every ``every`` steps."""

    def __init__(self, run_path: Path, data: ImageSet, every: int, n: int, seed: int = 0, progress: bool = True):
        self.every = every
        reference, held_out = split_real(data, seed=0)
        classifier = domain_classifier_for(Path(run_path), reference, held_out, steps=400, progress=progress)
        self.network = DomainFeatures(classifier)
        self.reference = extract(self.network, reference.images).vectors
        self.n, self.seed = min(n, len(reference)), seed
        self.noise: torch.Tensor | None = None

    @torch.no_grad()
    def measure(self, trainer) -> float:
        if self.noise is None:
            generator = torch.Generator().manual_seed(self.seed + 12345)
            self.noise = torch.randn(self.n, trainer.config.model.latent_dim, generator=generator).to(trainer.device)
        G = trainer.sampling_generator()
        was_training = G.training
        G.eval()
        labels = trainer.variant.sample_labels(self.n, torch.Generator(trainer.device).manual_seed(self.seed), trainer.device)
        images = torch.cat([to_uint8(G(self.noise[i:i + 256], labels[i:i + 256] if labels is not None else None)).cpu()
                            for i in range(0, self.n, 256)])
        G.train(was_training)
        return fid(self.reference, extract(self.network, images).vectors)

    def __call__(self, trainer, done: bool) -> None:
        if trainer.step % self.every == 0 or done:
            trainer.log.log(trainer.step, {"fid_domain": self.measure(trainer)})

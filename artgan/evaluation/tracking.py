"""`--eval-every N`: KID, FID and recall in domain features during training, logged as ``kid_domain``,
``fid_domain`` and ``recall_domain`` beside the losses (and ``kid_class_domain`` for a conditional
model), and handed to whoever keeps the best checkpoint.

Losses of a GAN say little about image quality; these curves do. KID ranks the checkpoints: it is
unbiased in the number of samples (Binkowski et al. 2018), where FID's bias at a few hundred
samples can outweigh the differences between two steps. The domain classifier is trained once,
before the first step, on the half of the real split that `artgan evaluate`'s classifier learns too,
and samples are measured against the other half, the images it never learnt. The classifier
is saved in the run so evaluate (and a resumed run) measure in the very same feature space.
``--eval-classifier FILE`` names the classifier instead (one trained on labelled images of the
medium knows it better than the run's own rotation task on a few dozen images); it is copied into
the run in the same place, so it is then the run's own. The samples come from one fixed noise
batch, so the curve moves because G changed, not because the noise did.

A conditional model is also measured class by class: ``kid_class_domain`` is the mean over classes of
the KID between the samples drawn for a class and the real images of that class (the intra-class FID
of Miyato & Koyama 2018, as KID). A sample drawn for one class that looks like another raises it, and
so do samples of a class that are all alike, so it ranks states by class fidelity and within-class
variety together, where the overall KID is blind to both.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from artgan.data import ImageSet, to_uint8
from artgan.evaluation.domain_classifier import DomainClassifier, load_fitting_classifier, save_classifier
from artgan.evaluation.evaluate import RUN_CLASSIFIER, domain_classifier_for, evaluation_folder
from artgan.evaluation.features import DomainFeatures, extract
from artgan.evaluation.metrics import fid, kid, precision_recall
from artgan.evaluation.split import split_real
from artgan.evaluation.variety import class_variety, mean_over_classes


# KID's subsets: fewer than evaluate's 100, since this runs every N steps; the subsets are drawn
# with a fixed seed, so a score moves only because G changed.
KID_SUBSETS = 20
RECALL_NEIGHBOURS = 3  # k of the k-NN manifolds, as in evaluate


def warn_if_near_chance(info) -> None:
    """Features of a classifier that barely beats chance on held-out images rank checkpoints badly
    (docs/quality.md: on 146 unlabelled stamps the rotation task's 42 % kept a run's worst state)."""
    chance = 1 / max(info.num_classes, 1)
    accuracy = info.held_out_accuracy
    if accuracy is not None and accuracy < (1 + chance) / 2:  # less than halfway from chance to perfect
        task = "which way each image is turned" if info.task == "rotation" else "the classes"
        warnings.warn(f"--eval-every's domain classifier tells {task} of held-out images only {accuracy:.0%} of the "
                      f"time (chance {chance:.0%}), so its KID may not rank checkpoints and best.safetensors may not "
                      f"be the best; give it a classifier trained on labelled images of the same medium (`artgan "
                      f"classify train --data FOLDER --size {info.size} --out FILE`, then --eval-classifier FILE), "
                      f"or train on more images, or on a folder with one sub-folder per class", stacklevel=2)


def eval_classifier(named: str, run_path: Path, data: ImageSet, resuming: bool) -> DomainClassifier | None:
    """--eval-classifier's file ``named``, checked against the run's images; None for a resumed run that
    has the copy its start made (the tracker then reuses it, as its own)."""
    if resuming and (evaluation_folder(run_path) / RUN_CLASSIFIER).is_file():
        return None
    return load_fitting_classifier(named, data.channels, data.size, label="--eval-classifier")


class FIDTracker:
    """A trainer hook: ``tracker(step, done, generator)`` after each step measures KID, FID and recall
    every ``every`` steps, of the sampling generator that ``generator()`` gives (asked only then: EMA
    measures its batch-norm statistics when asked).

    What it needs of the run is given once: the latent size, the device, the variant's label
    sampler (conditional runs draw their classes as in training), the metrics log it writes to and
    ``on_scores(step, scores)``, told every measurement (the best checkpoint's keeper), and
    ``classifier``: the one to measure in (``eval_classifier``), else the run's own.
    """

    def __init__(self, run_path: Path, data: ImageSet, every: int, n: int, seed: int, progress: bool,
                 latent_dim: int, device: torch.device, sample_labels: Callable, log,
                 on_scores: Callable[[int, dict[str, float]], None] | None = None,
                 classifier: DomainClassifier | None = None):
        self.every, self.latent_dim, self.device, self.sample_labels, self.log = every, latent_dim, device, sample_labels, log
        self.on_scores = on_scores
        trained_on, unseen = split_real(data, seed=0)
        if classifier is not None:  # becomes the run's own: what --resume and evaluate find
            save_classifier(classifier, evaluation_folder(run_path) / RUN_CLASSIFIER)
        else:
            classifier = domain_classifier_for(Path(run_path), trained_on, unseen, steps=400, progress=progress)
        warn_if_near_chance(classifier.info)
        self.network = DomainFeatures(classifier)
        # Samples are measured against the half the classifier did not learn (`artgan classify train` learns
        # the same half as the run's own). In its own features the learnt half is far from every other image,
        # real or not, and nearer to a blurred copy than to a sharp one: a reference that ranks blur first.
        self.reference = extract(self.network, unseen.images).vectors
        self.reference_labels, self.class_names = (unseen.labels, unseen.class_names) if unseen.labelled else (None, None)
        self.n, self.seed = min(n, len(unseen)), seed
        self.noise: torch.Tensor | None = None

    @torch.no_grad()
    def measure(self, G: nn.Module) -> dict[str, float]:
        if self.noise is None:
            generator = torch.Generator().manual_seed(self.seed + 12345)
            self.noise = torch.randn(self.n, self.latent_dim, generator=generator).to(self.device)
        was_training = G.training
        G.eval()
        labels = self.sample_labels(self.n, torch.Generator(self.device).manual_seed(self.seed), self.device)
        images = torch.cat([to_uint8(G(self.noise[i:i + 256], labels[i:i + 256] if labels is not None else None)).cpu()
                            for i in range(0, self.n, 256)])
        G.train(was_training)
        fake = extract(self.network, images).vectors
        scores = {"kid_domain": kid(self.reference, fake, subsets=KID_SUBSETS)[0], "fid_domain": fid(self.reference, fake)}
        if min(len(self.reference), len(fake)) > RECALL_NEIGHBOURS:  # variety beside fidelity: recall 0 is a collapse
            scores["recall_domain"] = precision_recall(self.reference, fake, RECALL_NEIGHBOURS)[1]
        if labels is not None and self.reference_labels is not None:
            per_class = class_variety(self.reference, self.reference_labels, fake, labels.cpu(), self.class_names)
            if per_class:
                scores["kid_class_domain"] = mean_over_classes(per_class)["kid"]
        return scores

    def __call__(self, step: int, done: bool, generator: Callable[[], nn.Module]) -> None:
        if step % self.every == 0 or done:
            scores = self.measure(generator())
            self.log.log(step, scores)
            if self.on_scores is not None:
                self.on_scores(step, scores)

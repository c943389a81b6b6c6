"""GAN-train and GAN-test (Shmelkov, Schmid & Alahari 2018, How good is my GAN?), the first report's
class-aware scores for conditional models, overall and per class.

  GAN-test   accuracy of a classifier trained on real images, on samples of each requested class:
             are the samples recognisably of their class? (precision-like; a generator that copies
             a few good images scores high)
  GAN-train  accuracy on real held-out images of the same classifier trained on samples only:
             do the samples carry everything that tells the classes apart? (recall-like; mode
             collapse shows up here)
  real       the real-trained classifier on real held-out images: the ceiling of both.
"""

from __future__ import annotations

import torch

from artgan.data import ImageSet
from artgan.errors import ArtganError
from artgan.evaluation.domain_classifier import DomainClassifier, accuracy, per_class_accuracy, train_classifier
from artgan.generation import LoadedGenerator


def conditional_samples(model: LoadedGenerator, per_class: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` samples of every class and their labels, each class from its own noise seed."""
    labels = torch.arange(len(model.class_names)).repeat_interleave(per_class)
    return model(model.noise(len(labels), seed), labels), labels


def check_classes(model: LoadedGenerator, classifier: DomainClassifier) -> None:
    if not model.conditional:
        raise ArtganError(f"GAN-train/GAN-test need a conditional model (cdcgan, acgan, can); this run's is {model.variant.name}")
    if classifier.info.task != "classes" or classifier.info.class_names != model.class_names:
        raise ArtganError(f"the classifier knows the classes {classifier.info.class_names}, the model makes "
                          f"{model.class_names}; train one on the run's data set with `artgan classify train`")


def gan_train_test(model: LoadedGenerator, real_classifier: DomainClassifier, held_out: ImageSet,
                   per_class: int = 200, steps: int = 400, seed: int = 0, progress: bool = False) -> dict:
    """Both scores and the real ceiling, overall and ``per_class`` ({class: {gan_test, gan_train, real}})."""
    check_classes(model, real_classifier)
    samples, labels = conditional_samples(model, per_class, seed)
    sample_classifier = train_classifier(samples, labels, model.class_names, steps=steps,
                                         width=real_classifier.info.width, seed=seed, progress=progress)
    columns = {
        "gan_test": per_class_accuracy(real_classifier, samples, labels),
        "gan_train": per_class_accuracy(sample_classifier, held_out.images, held_out.labels),
        "real": per_class_accuracy(real_classifier, held_out.images, held_out.labels),
    }
    return {
        "gan_test": accuracy(real_classifier, samples, labels),
        "gan_train": accuracy(sample_classifier, held_out.images, held_out.labels),
        "real": accuracy(real_classifier, held_out.images, held_out.labels),
        "samples_per_class": per_class,
        "per_class": {name: {key: values[i] for key, values in columns.items()} for i, name in enumerate(model.class_names)},
    }


def format_gan_train_test(scores: dict) -> str:
    lines = [f"{'class':20s}{'GAN-test':>10s}{'GAN-train':>11s}{'real':>8s}"]
    for name, row in scores["per_class"].items():
        lines.append(f"{name[:20]:20s}{row['gan_test']:10.1%}{row['gan_train']:11.1%}{row['real']:8.1%}")
    lines.append(f"{'all classes':20s}{scores['gan_test']:10.1%}{scores['gan_train']:11.1%}{scores['real']:8.1%}")
    return "\n".join(lines)

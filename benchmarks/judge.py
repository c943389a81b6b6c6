"""The real collections of the quality benchmark and the judge that scores samples against their
held-out splits.

A collection is a folder a Debian package installs (or a scikit-learn set), split once into
training and held-out images. The judge measures in artgan evaluate's offline domain features (a
small CNN trained on real images only, sharing nothing with any GAN's discriminator). For the
clip-art collections it learns the *other* ten openclipart categories (buildings, office, signs,
...: 2,700 drawings in the same medium, none of them in either collection), so neither split, no
sample and no GAN has touched it and real-vs-real is an honest ceiling; a classifier fitted to 102
few-shot images would overfit them. For digits (no second digit set offline) it learns the classes
of the training split. Class accuracy always comes from a classifier of the collection's own
classes trained on its training split. Floors (the average image, uniform noise) and the ceiling
(real training images against the held-out ones) are scored the same way as any generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from artgan.config import DataConfig
from artgan.data import ImageSet, load_images
from artgan.evaluation.domain_classifier import (DomainClassifier, accuracy, load_classifier, predict,
                                                 save_classifier, train_classifier)
from artgan.evaluation.features import DomainFeatures, extract
from artgan.evaluation.figures import memorisation_figure
from artgan.evaluation.memorisation import memorisation_check
from artgan.evaluation.split import split_real, subset
from artgan.evaluation.variety import class_variety, mean_over_classes, set_scores
from artgan.visual.preview import average_image

OPENCLIPART = "/usr/share/openclipart/png"
TUXPAINT_ANIMALS = "/usr/share/tuxpaint/stamps/animals"


@dataclass
class Collection:
    source: str
    size: int
    package: str = ""  # the Debian package that installs it
    classes: list = field(default_factory=list)
    labelled: bool = True  # False: sub-folders are not classes worth learning (few-shot sets)
    judge_source: str = ""  # a disjoint real set the feature network learns instead (same medium)
    judge_classes: list = field(default_factory=list)  # categories of `source` the feature network learns instead


CLIPART_JUDGE = ["buildings", "education", "electronics", "geography", "office", "recreation", "signs_and_symbols",
                 "special", "tools", "unsorted"]
COLLECTIONS = {
    "digits": Collection("sklearn:digits", 16),
    "openclipart": Collection(OPENCLIPART, 32, "openclipart-png", ["animals", "food", "people", "plants", "transportation"],
                              judge_source=OPENCLIPART, judge_classes=CLIPART_JUDGE),
    "tuxpaint-animals": Collection(TUXPAINT_ANIMALS, 32, "tuxpaint-stamps-default", labelled=False,
                                   judge_source=OPENCLIPART, judge_classes=CLIPART_JUDGE),
}


def check_installed(collection: Collection, name: str) -> None:
    for source in filter(None, (collection.source, collection.judge_source)):
        if not source.startswith("sklearn:") and not Path(source).is_dir():
            raise SystemExit(f"quality.py: error: collection {name!r} needs {source}; install it with\n"
                             f"  sudo apt-get install {collection.package}")


def load_collection(name: str, cache_dir: str, size: int = 0) -> ImageSet:
    """The collection at its benchmark size, or at ``size`` (a recipe that trains larger: same images, same order)."""
    collection = COLLECTIONS[name]
    check_installed(collection, name)
    data = load_images(DataConfig(source=collection.source, size=size or collection.size, classes=collection.classes,
                                  cache_dir=cache_dir), progress=False)
    return data if collection.labelled else ImageSet(data.images, None, None, data.source)


@dataclass
class Judge:
    """The held-out split, the feature network, the class judge, and the held-out features."""
    train: ImageSet
    held_out: ImageSet
    network: DomainFeatures
    held_out_vectors: torch.Tensor
    feature_accuracy: float  # the feature network on images of its own task it did not train on
    class_judge: DomainClassifier | None = None  # the collection's own classes, for class accuracy
    class_accuracy: float | None = None  # the class judge on the real held-out split: its ceiling


def trained_classifier(train: ImageSet, held_out: ImageSet, steps: int, seed: int) -> tuple[DomainClassifier, float]:
    """A domain classifier of ``train``'s classes (or of rotations, unlabelled) and its accuracy on ``held_out``."""
    classifier = train_classifier(train.images, train.labels if train.labelled else None, train.class_names,
                                  steps=steps, seed=seed, source=train.source, progress=False)
    return classifier, accuracy(classifier, held_out.images, held_out.labels)


def cached_classifier(path: Path, train) -> tuple[DomainClassifier, float]:
    """A judge trained once per collection and seed, shared by the processes of a staggered benchmark."""
    if path.is_file():
        classifier = load_classifier(path)
        return classifier, classifier.info.held_out_accuracy
    classifier, held_out_accuracy = train()
    classifier.info.held_out_accuracy = held_out_accuracy
    save_classifier(classifier, path)
    return classifier, held_out_accuracy


def make_judge(name: str, data: ImageSet, held_out_fraction: float, steps: int, seed: int, cache_dir: str,
               judges: Path) -> Judge:
    collection = COLLECTIONS[name]
    train, held_out = split_real(data, held_out_fraction, seed)
    tag = f"{name}-{collection.size}px-seed{seed}-{steps}steps-{held_out_fraction:g}"
    class_judge = class_accuracy = None
    if train.labelled:
        class_judge, class_accuracy = cached_classifier(judges / f"classes-{tag}.safetensors",
                                                        lambda: trained_classifier(train, held_out, steps, seed))
    if collection.judge_source:
        other = load_images(DataConfig(source=collection.judge_source, size=collection.size,
                                       classes=collection.judge_classes, cache_dir=cache_dir), progress=False)
        other_train, other_test = split_real(other, 0.3, seed)
        features, feature_accuracy = cached_classifier(judges / f"features-{tag}.safetensors",
                                                       lambda: trained_classifier(other_train, other_test, steps, seed))
    else:
        features, feature_accuracy = class_judge, class_accuracy
    network = DomainFeatures(features)
    return Judge(train, held_out, network, extract(network, held_out.images).vectors, feature_accuracy,
                 class_judge, class_accuracy)


def tracker_classifier(judge: Judge, steps: int, path: Path) -> Path:
    """A classifier of the collection's classes for recipes that keep the best checkpoint (``--eval-every``),
    trained ``steps`` on the training split only, as a user would train one on their labelled images with
    `artgan classify train` and pass it as --eval-classifier; the file. Seed 1: not the class judge's twin."""
    cached_classifier(path, lambda: trained_classifier(judge.train, judge.held_out, steps, seed=1))
    return path


def score_images(judge: Judge, images: torch.Tensor, labels: torch.Tensor | None = None) -> dict:
    """Overall figures of ``images`` against the held-out split; per class too when ``labels`` are given."""
    vectors = extract(judge.network, images).vectors
    row = set_scores(judge.held_out_vectors, vectors)
    if labels is not None and judge.class_judge is not None:
        predictions = predict(judge.class_judge, images)
        row["per_class"] = class_variety(judge.held_out_vectors, judge.held_out.labels, vectors, labels,
                                         judge.held_out.class_names, predictions)
        row["class_mean"] = mean_over_classes(row["per_class"])
    return row


def reference_rows(judge: Judge, seed: int) -> dict[str, dict]:
    """The floors and the ceiling, as many images each as the held-out split."""
    n = len(judge.held_out)
    average = average_image(judge.train)
    noise = torch.randint(0, 256, (n, *average.shape), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)
    pick = torch.randperm(len(judge.train), generator=torch.Generator().manual_seed(seed))[:n]
    real = subset(judge.train, pick)
    rows = {"floor: average image": score_images(judge, average.expand(n, *average.shape).contiguous()),
            "floor: noise": score_images(judge, noise),
            "ceiling: real vs real": score_images(judge, real.images, real.labels if real.labelled else None)}
    if judge.class_accuracy is not None:  # the class judge on real held-out images: the class-accuracy ceiling
        rows["ceiling: real vs real"]["class_accuracy_held_out"] = judge.class_accuracy
    return rows


def copies(judge: Judge, images: torch.Tensor, figure: Path) -> dict:
    """The memorisation check of ``artgan evaluate`` in the judge's space: samples' nearest training images
    (the figure) and how many samples sit nearer one than the nearest 1 % of held-out real images do."""
    check = memorisation_check(images, extract(judge.network, images), extract(judge.network, judge.held_out.images),
                               judge.train.images, extract(judge.network, judge.train.images))
    memorisation_figure(check).save(figure)
    return {**check.summary(), "figure": str(figure)}

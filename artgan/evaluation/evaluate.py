"""`artgan evaluate`: a trained run's samples scored beside a floor and a ceiling, in one feature space.

Rows of the result, all measured against the same real reference images:
  model                   n samples of the run's generator
  floor: average image    n copies of the reference set's mean image (the first report's baseline)
  floor: noise            n images of uniform noise
  ceiling: real held-out  n real images the reference does not contain
A model's figure means something only between its floor and its ceiling. In domain features the
reference and the ceiling are two quarters of the data its classifier did not learn (``evaluation_split``).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from artgan.atomic import write_text_atomic
from artgan.data import ImageSet, load_images
from artgan.errors import ArtganError
from artgan.evaluation.classifier import conditional_samples, gan_train_test
from artgan.evaluation.domain_classifier import (DomainClassifier, accuracy, load_fitting_classifier, predict, save_classifier,
                                                 train_classifier)
from artgan.evaluation.features import DomainFeatures, FeatureNetwork, Features, InceptionFeatures, extract
from artgan.evaluation.memorisation import MemorisationCheck, memorisation_check
from artgan.evaluation.metrics import fid, inception_score
from artgan.evaluation.split import RealSplit, evaluation_split
from artgan.evaluation.variety import class_variety, set_scores
from artgan.generation import LoadedGenerator, load_generator
from artgan.runs.run_dir import RunDir
from artgan.visual.preview import average_image

MODEL, FLOOR_AVERAGE, FLOOR_NOISE, CEILING = "model", "floor: average image", "floor: noise", "ceiling: real held-out"
RUN_CLASSIFIER = "classifier.safetensors"  # in RUN/evaluation: the classifier of the run's own data, trained once


@dataclass
class EvaluationSetup:
    """Everything the metrics need, loaded once: the model, the real split and the feature network."""
    model: LoadedGenerator
    split: RealSplit
    network: FeatureNetwork
    reference_features: Features
    classifier: DomainClassifier | None = None
    classifier_steps: int = 400
    samples: torch.Tensor | None = None  # the model row's images, kept for the report's figures
    memorisation: MemorisationCheck | None = None

    @property
    def reference(self) -> ImageSet:
        return self.split.reference

    @property
    def held_out(self) -> ImageSet:
        return self.split.held_out


def run_data(model: LoadedGenerator, source: str | None = None, progress: bool = False) -> ImageSet:
    """The run's own data set (or ``source``), prepared exactly as it was for training."""
    config = model.config.data
    if source:
        config = type(config)(**{**config.__dict__, "source": source})
    data = load_images(config, progress=progress)
    if (data.channels, data.size) != (model.variant.channels, model.config.data.size):
        raise ArtganError(f"{config.source!r} gives {data.channels}x{data.size}px images but the run makes "
                          f"{model.variant.channels}x{model.config.data.size}px ones; use the run's own data set")
    return data


def model_source(run_path: Path) -> str:
    return RunDir(Path(run_path)).read_config().data.source


def evaluation_folder(run_path: str | Path, out: str | Path | None = None) -> Path:
    """Where evaluate writes metrics.json, report.html and its classifier: ``--out``, else RUN/evaluation."""
    return Path(out) if out else Path(run_path) / "evaluation"


def cached_classifier_name(run_path: Path, source: str) -> str:
    """The cache is per data source, so `--data OTHER` never measures in a classifier of the run's data."""
    if source == model_source(run_path):
        return RUN_CLASSIFIER
    return "classifier-" + re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")[-40:] + ".safetensors"


def domain_classifier_for(run_path: Path, learnt: ImageSet, held_out: ImageSet, steps: int,
                          progress: bool, path: str | Path | None = None, out: str | Path | None = None):
    """The given classifier, or a cached one (in ``out``, then the run's own), or a new one trained on
    ``learnt`` (``split_real``'s first half), scored on ``held_out`` and cached in ``out`` (``cached_classifier_name``)."""
    name = cached_classifier_name(run_path, learnt.source)
    places = [evaluation_folder(run_path, out) / name, evaluation_folder(run_path) / name]
    cached = Path(path) if path else next((p for p in places if p.is_file()), places[0])
    if path or cached.is_file():  # a classifier the user names must exist; the run's own is trained once
        return load_fitting_classifier(cached, learnt.channels, learnt.size)
    classifier = train_classifier(learnt.images, learnt.labels if learnt.labelled else None,
                                  learnt.class_names, steps=steps, source=learnt.source, progress=progress)
    classifier.info.held_out_accuracy = accuracy(classifier, held_out.images, held_out.labels)
    save_classifier(classifier, cached)
    return classifier


def prepare(run_path: str | Path, features: str = "domain", source: str | None = None, classifier: str | Path | None = None,
            classifier_steps: int = 400, inception_weights: str | Path | None = None, device: str = "cpu",
            seed: int = 0, progress: bool = False, out: str | Path | None = None,
            checkpoint: str | int | None = None) -> EvaluationSetup:
    """``checkpoint``: best, last or a step (``artgan.runs.best``); None: the best when the run kept one."""
    model = load_generator(run_path, device=device, checkpoint=checkpoint)
    if features not in ("domain", "inception"):
        raise ArtganError(f"--features must be domain or inception, got {features!r}")
    split = evaluation_split(run_data(model, source, progress), seed=seed, learnt_features=features == "domain")
    domain = None
    if features == "domain" or (model.conditional and split.learnt.labelled):  # GAN-train/test need it too
        domain = domain_classifier_for(Path(run_path), split.learnt, split.unseen, classifier_steps, progress, classifier, out)
    network = DomainFeatures(domain) if features == "domain" else InceptionFeatures(inception_weights, device)
    reference_features = extract(network, split.reference.images, progress=progress, desc="real features")
    return EvaluationSetup(model, split, network, reference_features, domain, classifier_steps)


def score(reference: Features, candidate: Features, kid_subsets: int = 100) -> dict[str, float]:
    """Every metric of ``candidate`` against ``reference`` features."""
    row = set_scores(reference.vectors, candidate.vectors, kid_subsets)
    if candidate.logits is not None:
        row["is"], row["is_std"] = inception_score(candidate.logits)
    return row


def per_class_scores(setup: EvaluationSetup, per_class: int, seed: int = 0) -> dict[str, dict[str, float]]:
    """For a conditional model: each class's samples against that class's real reference images
    (FID, KID, precision, recall, density, coverage, diversity ratio, and the share the domain
    classifier recognises as the class), beside the class's real held-out ceiling FID. A model can
    score well overall while drawing one class badly, or one image per class."""
    samples, labels = conditional_samples(setup.model, per_class, seed)
    extracted = extract(setup.network, samples)
    predictions = None
    if setup.classifier is not None and setup.classifier.info.class_names == setup.model.class_names:
        predictions = predict(setup.classifier, samples)
    rows = class_variety(setup.reference_features.vectors, setup.reference.labels, extracted.vectors, labels,
                         setup.model.class_names, predictions)
    for index, name in enumerate(setup.model.class_names):
        if name in rows:
            held_out = setup.held_out.images[setup.held_out.labels == index][:per_class]
            rows[name]["fid_ceiling"] = fid(setup.reference_features.vectors[setup.reference.labels == index],
                                            extract(setup.network, held_out).vectors)
    return rows


def candidate_images(setup: EvaluationSetup, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """The images of every row: the model's samples, the two floors and the real ceiling, n each."""
    average = average_image(setup.reference)
    noise = torch.randint(0, 256, (n, *average.shape), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)
    return {
        MODEL: setup.model.sample(n, seed),
        FLOOR_AVERAGE: average.expand(n, *average.shape).contiguous(),
        FLOOR_NOISE: noise,
        CEILING: setup.held_out.images[:n],
    }


def evaluate(run_path: str | Path, features: str = "domain", n: int = 1000, seed: int = 0, progress: bool = False,
             setup: EvaluationSetup | None = None, out: str | Path | None = None, **prepare_options) -> dict:
    """Score a run and its floor and ceiling; write ``metrics.json`` (in ``out``, default RUN/evaluation)
    and return it."""
    started = time.perf_counter()
    setup = setup or prepare(run_path, features, seed=seed, progress=progress, out=out, **prepare_options)
    n = min(n, len(setup.held_out))
    if n < 10:
        raise ArtganError(f"only {n} held-out real images to compare against; evaluation needs a data set of 40 or more "
                          f"images (20 or more with --features inception, whose network has not learnt any of them)")
    rows, features = {}, {}
    candidates = candidate_images(setup, n, seed)
    for name, images in candidates.items():
        features[name] = extract(setup.network, images, progress=progress, desc=name)
        rows[name] = score(setup.reference_features, features[name])
    setup.samples = candidates[MODEL]
    known = setup.split.known
    known_features = setup.reference_features if known is setup.reference else extract(setup.network, known.images)
    setup.memorisation = memorisation_check(candidates[MODEL], features[MODEL], features[CEILING],
                                            known.images, known_features)
    result = {
        "run": str(run_path),
        "step": setup.model.step,
        "checkpoint": setup.model.checkpoint.name if setup.model.checkpoint else None,
        "model": setup.model.variant.name,
        "features": setup.network.name,
        "feature_space": setup.network.identity,  # the app's Compare puts only equal ones on one scale
        "n": n,
        "reference_images": len(setup.reference),
        "rows": rows,
        "memorisation": setup.memorisation.summary(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    conditional = setup.model.conditional and setup.reference.class_names == setup.model.class_names
    if conditional:
        result["per_class"] = per_class_scores(setup, max(10, n // len(setup.model.class_names)), seed)
    if setup.classifier is not None:
        result["classifier"] = {"task": setup.classifier.info.task, "held_out_accuracy": setup.classifier.info.held_out_accuracy}
        if conditional and setup.classifier.info.task == "classes":
            per_class = max(10, n // len(setup.model.class_names))
            result["gan_train_test"] = gan_train_test(setup.model, setup.classifier, setup.held_out, per_class,
                                                      setup.classifier_steps, seed, progress)
    write_text_atomic(evaluation_folder(run_path, out) / "metrics.json", json.dumps(result, indent=2) + "\n")  # a killed evaluate leaves the old scores
    return result


def format_table(result: dict) -> str:
    """The rows as a plain-text table: lower FID/KID is better, higher IS/precision/recall/coverage is better."""
    columns = [("fid", "FID"), ("kid", "KID"), ("is", "IS"), ("precision", "precision"), ("recall", "recall"),
               ("density", "density"), ("coverage", "coverage")]
    return _table(result["rows"], columns, 24)


def format_per_class(rows: dict) -> str:
    """Each class's fidelity (accuracy, precision) beside its variety (recall, coverage, diversity)."""
    columns = [("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"), ("coverage", "coverage"),
               ("diversity", "diversity"), ("kid", "KID"), ("fid", "FID"), ("fid_ceiling", "FID ceil.")]
    return _table(rows, columns, 16)


def _table(rows: dict, columns: list[tuple[str, str]], first: int) -> str:
    lines = [f"{'':{first}s}" + "".join(f"{title:>11s}" for _, title in columns)]
    for name, row in rows.items():
        cells = "".join(f"{row[key]:11.4g}" if key in row else f"{'-':>11s}" for key, _ in columns)
        lines.append(f"{name[:first - 1]:{first}s}{cells}")
    return "\n".join(lines)

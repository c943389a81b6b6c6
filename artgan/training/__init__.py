"""Training: ``train(config)`` prepares the data, checks it suits the variant, and runs the loop."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from artgan import __version__
from artgan.config import Config
from artgan.data import ImageSet, load_images
from artgan.errors import ArtganError
from artgan.paths import check_output_folder, check_writable
from artgan.training import distributed
from artgan.training.calibration import SpeedSettings, recorded_speed
from artgan.device import resolve_device
from artgan.runs.best import BestRecord, forget_best, read_best, write_best
from artgan.runs.run_dir import RunDir, default_run_path, refuse_to_overwrite
from artgan.training.best import CLASS_METRIC, METRIC, BestKeeper
from artgan.training.trainer import Trainer
from artgan.variants import get_variant

if TYPE_CHECKING:  # evaluation builds on training: imported only where a tracker is asked for
    from artgan.evaluation.domain_classifier import DomainClassifier

__all__ = ["train", "prepare_run", "Trainer", "RunDir"]


def check_data_fits(config: Config, data: ImageSet) -> None:
    """Refuse, before any training, what would fail or silently do nonsense later."""
    variant = get_variant(config.model.name)
    if (variant.conditional or variant.uses_labels) and not data.labelled:
        raise ArtganError(
            f"model {variant.name!r} learns from class labels, but {config.data.source!r} "
            f"has none; use a folder with one sub-folder per class, or an unconditional model such as dcgan"
        )
    if config.train.batch > len(data):
        raise ArtganError(f"--batch {config.train.batch} is larger than the data set ({len(data)} images); use --batch {len(data)} or less")
    if config.train.batch < 2:
        raise ArtganError("--batch must be at least 2 (batch norm needs more than one image)")
    distributed.ranks().split(config.train.batch)  # under torchrun: --batch is global, split evenly


def report_skipped(data: ImageSet) -> None:
    """Unusable files never stop a run, but the user hears how many there were, and why."""
    examples = "".join(f"\n  {example}" for example in data.skipped_examples)
    print(f"artgan: skipped {data.skipped} of {data.skipped + len(data)} files that could not be used as images "
          f"(training on the other {len(data)}; the examples are also in run.json):{examples}", file=sys.stderr)


def prepare_run(config: Config, out: str | Path | None, resume: bool, progress: bool = True) -> tuple[Trainer, ImageSet]:
    run = RunDir(check_output_folder(out) if out else default_run_path(config, resume=resume))
    if not resume:
        refuse_to_overwrite(run)  # before any work, and before config.yaml is replaced
    check_run_writable(run)
    main = distributed.ranks().main  # under torchrun, rank 0 alone writes the run directory
    with distributed.main_first():  # rank 0 decodes and caches; the others read its cache
        data = load_images(config.data, progress=progress and main)
    check_data_fits(config, data)
    resuming = resume and run.latest_checkpoint() is not None
    named = eval_classifier_of(config, run, data, resuming) if main else None  # refused before anything is written
    speed = None  # measured by the trainer, unless a checkpoint to resume says what the run trained with
    if resuming and run.info_file.is_file():
        speed = recorded_speed(run.read_info(), config, distributed.local_device(resolve_device(config.train.device)))
    trainer = Trainer(config, run, data, progress=progress, speed=speed)
    if main:
        write_run_files(config, run, data, trainer.speed, kept=read_best(run) if resume else None)
    if config.train.eval_every > 0 and main:  # rank 0 alone measures and keeps the best
        trainer.hooks.append(quality_tracker(config, run, data, trainer, progress, named))
    if not (resume and trainer.resume()):
        trainer.log.truncate_after(0)  # a fresh start in a folder a killed run left metrics in
        if main:
            forget_best(run)
        quality = ["kid_domain", "fid_domain", "recall_domain"] if config.train.eval_every > 0 else []
        if quality and trainer.variant.conditional:
            quality.append(CLASS_METRIC)
        trainer.log.log_hparams(config.to_dict(), ["loss_d", "loss_g", "d_real", "d_fake", *quality])
    return trainer, data


def eval_classifier_of(config: Config, run: RunDir, data: ImageSet, resuming: bool) -> DomainClassifier | None:
    """--eval-classifier's classifier, checked against the data (the config already refused it
    without --eval-every); None: the tracker's own."""
    if not config.train.eval_classifier:
        return None
    from artgan.evaluation.tracking import eval_classifier  # evaluation builds on training, so only on request

    return eval_classifier(config.train.eval_classifier, run.path, data, resuming)


def quality_tracker(config: Config, run: RunDir, data: ImageSet, trainer: Trainer, progress: bool,
                    classifier: DomainClassifier | None = None):
    """--eval-every's hook: KID and FID every N steps (in ``classifier``'s features, from
    ``eval_classifier_of``; None: the run's own), and the best checkpoint kept by KID (a conditional
    model's: the mean per-class KID) among the states that are not collapsed."""
    from artgan.evaluation.tracking import FIDTracker

    t = config.train
    return FIDTracker(run.path, data, t.eval_every, t.eval_n, t.seed, progress, config.model.latent_dim, trainer.device,
                      trainer.variant.sample_labels, trainer.log,
                      on_scores=BestKeeper(run, trainer.state_dict, t.eval_min_recall,
                                           CLASS_METRIC if trainer.variant.conditional else METRIC),
                      classifier=classifier)


def check_run_writable(run: RunDir) -> None:
    """Training writes into the run folder and its sub-folders; a read-only one is said up front,
    not as an OSError on a temp file or on quarantining a damaged checkpoint."""
    if not distributed.ranks().main:
        return
    copy = f"cp -r {run.path} NEW && artgan train --out NEW --resume"
    for folder in (run.path, run.checkpoints, run.samples):
        if folder == run.path or folder.is_dir():
            check_writable(folder, f"training writes checkpoints, samples and metrics there: make it writable, or "
                                   f"train a copy ({copy}); generate and evaluate --out DIR work on a read-only run")


def write_run_files(config: Config, run: RunDir, data: ImageSet, speed: SpeedSettings,
                    kept: BestRecord | None = None) -> None:
    """config.yaml and run.json; ``kept``: the best checkpoint's record a resumed run goes on from."""
    if data.skipped:
        report_skipped(data)
    run.path.mkdir(parents=True, exist_ok=True)
    config.save(run.config_file)
    run.write_info({
        "model": config.model.name,
        "source": config.data.source,
        "size": data.size,
        "channels": data.channels,
        "class_names": data.class_names if data.labelled else None,
        "num_images": len(data),
        "skipped_images": data.skipped,
        "skipped_examples": data.skipped_examples,
        "artgan_version": __version__,
        "speed": speed.to_dict(),  # reused by --resume, so the resumed steps compute as the first ones did
    })
    if kept is not None:
        write_best(run, kept)


def train(config: Config, out: str | Path | None = None, resume: bool = False, progress: bool = True) -> RunDir:
    """Train alone, or as one of torchrun's processes (``torchrun --nproc_per_node=K -m artgan train``).

    ``config`` as the CLI makes it: ``artgan.runs.recipe.resolve_config(overrides, resume=out)``
    layers the variant's defaults under the overrides, and on resume keeps the run's saved recipe.
    """
    with distributed.process_group(config.train.device):
        trainer, _ = prepare_run(config, out, resume, progress)
        try:
            return trainer.fit()
        finally:
            # DDP's wrappers hold the process group. Freed here, while the group is alive, and not
            # by the interpreter's exit, where gloo's worker threads can abort the process (SIGABRT).
            del trainer
            gc.collect()

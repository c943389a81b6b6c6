"""Time-to-quality: each recipe trained on real collections for CPU-time budgets, scored after each.

For every collection x recipe, trains artgan's own Trainer on a training split for process CPU
time (so a busy, shared machine does not distort the budget) and, after each budget, scores its
samples against the held-out split in domain features: KID (primary: unbiased on small sets),
FID, precision / recall (Kynkaanniemi et al. 2019), density / coverage (Naeem et al. 2020);
conditional recipes also per class (class accuracy beside within-class recall, coverage and
diversity). Floors (the average image, uniform noise) and the ceiling (real training images
against the held-out ones) are scored the same way, and every budget runs ``artgan evaluate``'s
memorisation check (samples' nearest training images) in the same features. A recipe may train
larger than the collection (``data.size=64``): on the same images, its samples judged downsampled.
Prints tables, writes results.json, a plot of KID and recall against CPU minutes per recipe, and
the sample grid (and nearest-training-images figure) after each budget.

Feature space: artgan evaluate's offline domain classifier (a small CNN), trained on real images
only and sharing nothing with any GAN's discriminator. For the clip-art collections it learns the
*other* ten openclipart categories (buildings, office, signs, ...: 2,700 drawings in the same
medium, none of them in either collection), so neither split, no sample and no GAN has touched
it and real-vs-real is an honest ceiling; a classifier fitted to 102 few-shot images would overfit
them. For digits (no second digit set offline) it learns the classes of the training split. Class
accuracy always comes from a classifier of the collection's own classes trained on its training split.

    python benchmarks/quality.py --quick                              # seconds per run: a check
    python benchmarks/quality.py --collections openclipart --recipes dcgan cdcgan --budgets 1 3 8
    python benchmarks/quality.py --recipe fastgan=model.name=fastgan,train.ema=true --recipes fastgan
    python benchmarks/quality.py --report-only --out runs/quality     # merge staggered runs' results
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `python benchmarks/x.py` finds its siblings

from quality_report import budget_line, plot, print_tables  # noqa: E402

from artgan.config import DataConfig  # noqa: E402
from artgan.data import ImageSet, load_images, to_uint8  # noqa: E402
from artgan.evaluation.domain_classifier import (DomainClassifier, accuracy, load_classifier, predict,
                                                 save_classifier, train_classifier)  # noqa: E402
from artgan.evaluation.features import DomainFeatures, extract  # noqa: E402
from artgan.evaluation.figures import memorisation_figure  # noqa: E402
from artgan.evaluation.memorisation import memorisation_check  # noqa: E402
from artgan.evaluation.split import split_real, subset  # noqa: E402
from artgan.evaluation.variety import class_variety, mean_over_classes, set_scores  # noqa: E402
from artgan.generation import read_generator, truncate  # noqa: E402
from artgan.runs.best import best_path, forget_best, read_best  # noqa: E402
from artgan.runs.recipe import resolve_config  # noqa: E402
from artgan.runs.run_dir import RunDir  # noqa: E402
from artgan.training import Trainer, eval_classifier_of, quality_tracker, write_run_files  # noqa: E402
from artgan.variants import get_variant  # noqa: E402
from artgan.visual.grid import make_grid, upscale  # noqa: E402
from artgan.visual.preview import average_image  # noqa: E402

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
# Recipes are config overrides ("section.field": value) on top of the variant's defaults; today's
# `artgan train --model NAME` with no other option is the recipe NAME.
RECIPES: dict[str, dict] = {
    "dcgan": {},
    "cdcgan": {"model.name": "cdcgan"},
    "acgan": {"model.name": "acgan"},
}


def parse_recipe(text: str) -> tuple[str, dict]:
    """``NAME=model.name=fastgan,train.ema=true`` -> (NAME, overrides); values are read as YAML."""
    import yaml

    name, _, spec = text.partition("=")
    overrides = {}
    for item in filter(None, spec.split(",")):
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise SystemExit(f"quality.py: error: --recipe {text!r}: write NAME=section.field=value,... "
                             f"(e.g. fastgan=model.name=fastgan,train.ema=true)")
        overrides[key] = yaml.safe_load(value)
        if isinstance(overrides[key], str):  # YAML 1.1 reads 1e-4 as text
            try:
                overrides[key] = float(value)
            except ValueError:
                pass
    return name, overrides


def recipe_config(overrides: dict, collection: Collection, data: ImageSet, seed: int, cache_dir: str, threads: int = 1,
                  minutes: float | None = None):
    """``minutes``: plan the run as `artgan train --time MINUTES` (the budgets' last, counted in CPU time
    by ``train_for_budgets``), so a recipe's --lr-decay ends there and earlier budgets score it mid-schedule."""
    # ``threads`` pinned: the trainer would otherwise time 1 and 2 threads and pick one, and on a shared
    # machine a second thread spins for CPU time that buys no steps, so recipes would not get equal budgets.
    nested: dict = {"data": {"source": collection.source, "size": collection.size, "classes": collection.classes,
                             "cache_dir": cache_dir}, "train": {"seed": seed, "threads": threads}}
    if minutes:
        nested["train"]["time"] = f"{minutes * 60:g}s"
    for key, value in overrides.items():
        section, name = key.split(".", 1)
        nested.setdefault(section, {})[name] = value
    return resolve_config(nested)


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


def fitted_classifier(data: ImageSet, steps: int, seed: int) -> tuple[DomainClassifier, float]:
    """A domain classifier trained on 70 % of ``data`` and its accuracy on the rest."""
    train, test = split_real(data, 0.3, seed)
    classifier = train_classifier(train.images, train.labels if train.labelled else None, train.class_names,
                                  steps=steps, seed=seed, source=data.source, progress=False)
    return classifier, accuracy(classifier, test.images, test.labels)


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
        class_judge, class_accuracy = cached_classifier(judges / f"classes-{tag}.safetensors", lambda: (
            judge := train_classifier(train.images, train.labels, train.class_names, steps=steps, seed=seed,
                                      source=data.source, progress=False),
            accuracy(judge, held_out.images, held_out.labels)))
    if collection.judge_source:
        other = load_images(DataConfig(source=collection.judge_source, size=collection.size,
                                       classes=collection.judge_classes, cache_dir=cache_dir), progress=False)
        features, feature_accuracy = cached_classifier(judges / f"features-{tag}.safetensors",
                                                       lambda: fitted_classifier(other, steps, seed))
    else:
        features, feature_accuracy = class_judge, class_accuracy
    network = DomainFeatures(features)
    return Judge(train, held_out, network, extract(network, held_out.images).vectors, feature_accuracy,
                 class_judge, class_accuracy)


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


@torch.no_grad()
def model_images(trainer: Trainer, judge: Judge, seed: int, G=None,
                 truncation: float = 1.0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Samples of ``G`` (the run's sampling generator: EMA's when on) with the held-out split's class mix
    (its labels, for a conditional model), fixed noise, truncated as ``artgan generate --truncation`` does."""
    n = len(judge.held_out)
    z = torch.randn(n, trainer.config.model.latent_dim, generator=torch.Generator().manual_seed(seed + 99))
    z = truncate(z, truncation)
    labels = judge.held_out.labels if trainer.variant.conditional else None
    G = trainer.sampling_generator() if G is None else G
    was_training = G.training
    G.eval()
    images = torch.cat([to_uint8(G(z[i:i + 256].to(trainer.device), None if labels is None else
                                   labels[i:i + 256].to(trainer.device))).cpu() for i in range(0, n, 256)])
    G.train(was_training)
    side = judge.held_out.images.shape[-1]
    if images.shape[-1] != side:  # a larger recipe is judged where every other one is: at the collection's size
        images = F.interpolate(images.float(), size=(side, side), mode="area").round().byte()
    return images, labels


def copies(judge: Judge, images: torch.Tensor, figure: Path) -> dict:
    """The memorisation check of ``artgan evaluate`` in the judge's space: samples' nearest training images
    (the figure) and how many samples sit nearer one than the nearest 1 % of held-out real images do."""
    check = memorisation_check(images, extract(judge.network, images), extract(judge.network, judge.held_out.images),
                               judge.train.images, extract(judge.network, judge.train.images))
    memorisation_figure(check).save(figure)
    return {**check.summary(), "figure": str(figure)}


def best_generator(trainer: Trainer) -> tuple[nn.Module | None, int | None]:
    """The generator of the run's best checkpoint (``--eval-every``: what generate and evaluate sample), and its
    step; (None, None) when the run keeps none."""
    if read_best(trainer.run) is None:
        return None, None
    weights, step = read_generator(best_path(trainer.run))
    G = copy.deepcopy(trainer.G)
    G.load_state_dict(weights)
    return G, step


def best_keeping_tracker(trainer: Trainer):
    """``--eval-every``'s tracker and best checkpoint, in a run folder as `artgan train` starts one."""
    data = trainer.sampler.data
    write_run_files(trainer.config, trainer.run, data, trainer.speed)  # the tracker reads the run's config
    forget_best(trainer.run)  # an earlier benchmark's best in the same folder is not this run's
    named = eval_classifier_of(trainer.config, trainer.run, data, resuming=False)  # a recipe's train.eval_classifier
    return quality_tracker(trainer.config, trainer.run, data, trainer, progress=False, classifier=named)


def train_for_budgets(trainer: Trainer, judge: Judge, budgets: list[float], grids: Path, tag: str,
                      seed: int, log, rows: list | None = None, save=lambda: None,
                      truncations: tuple[float, ...] = ()) -> list[dict]:
    """Train until each budget of process CPU minutes is spent; score, save a grid and ``save()`` at each.
    Each of ``truncations`` also scores the same noise truncated (fidelity bought with variety). A recipe
    with ``train.eval_every`` measures as `artgan train` does, inside the budget (its classifier too), and
    each budget also scores the best checkpoint kept so far: what generate and evaluate would sample."""
    rows, clock = ([] if rows is None else rows), trainer.clock
    clock.now = time.process_time  # the trainer's clock counts the budgets, so a recipe's --lr-decay spans them
    tracker = None
    for budget in sorted(budgets):
        clock.start()
        if trainer.config.train.eval_every and tracker is None:  # built inside the budget: its classifier counts
            tracker = best_keeping_tracker(trainer)
        while clock.seconds() < budget * 60:
            trainer.train_step()
            trainer.step += 1
            clock.up(trainer.step)  # the run's progress, for a schedule over its planned length
            if tracker is not None:
                tracker(trainer.step, False, trainer.sampling_generator)
        clock.pause()  # scoring is not training
        images, labels = model_images(trainer, judge, seed)
        row = {"budget_minutes": budget, "cpu_minutes": clock.seconds() / 60, "steps": trainer.step,
               **score_images(judge, images, labels)}
        if trainer.sampling_generator() is not trainer.G:  # EMA: the raw G of the same run, for what averaging adds
            row["raw_generator"] = score_images(judge, *model_images(trainer, judge, seed, trainer.G))
        best_G, best_step = best_generator(trainer)
        if best_G is not None:
            row["best_checkpoint"] = {"step": best_step, **score_images(judge, *model_images(trainer, judge, seed, best_G))}
        row["truncated"] = {f"{psi:g}": score_images(judge, *model_images(trainer, judge, seed, truncation=psi))
                            for psi in truncations}
        grid = grids / f"{tag}-{budget:g}min.png"
        upscale(make_grid(trainer.sample_grid(), columns=8)).save(grid)
        row["grid"] = str(grid)
        if best_G is not None:  # the same noise through the kept state
            best_grid = grid.with_name(f"{grid.stem}-best.png")
            upscale(make_grid(trainer.sample_grid(best_G), columns=8)).save(best_grid)
            row["best_checkpoint"]["grid"] = str(best_grid)
        row["memorisation"] = copies(judge, images, grids / f"{tag}-{budget:g}min-nearest.png")
        rows.append(row)
        save()
        log(budget_line(tag, row))
    return rows


def training_split(name: str, size: int, judge: Judge, data: ImageSet, args) -> ImageSet:
    """The judge's training split, at the recipe's size (``data.size=64``): the same images, loaded larger."""
    if size == COLLECTIONS[name].size:
        return judge.train
    larger = load_collection(name, args.cache_dir, size)
    if len(larger) != len(data):
        raise SystemExit(f"quality.py: error: {name} has {len(larger)} usable images at {size} px but {len(data)} at "
                         f"{COLLECTIONS[name].size} px, so the splits would differ")
    return split_real(larger, args.held_out, args.seed)[0]


def run_collection(name: str, recipes: dict[str, dict], args, log, save) -> dict:
    data = load_collection(name, args.cache_dir)
    judge = make_judge(name, data, args.held_out, args.judge_steps, args.seed, args.cache_dir, args.out / "judges")
    log(f"[{name}] {len(judge.train)} training / {len(judge.held_out)} held-out images at {COLLECTIONS[name].size} px; "
        f"features: {judge.network.name}, trained on {judge.network.classifier.info.source or name} "
        f"(held-out accuracy {judge.feature_accuracy:.3f})" + ("" if judge.class_accuracy is None else
                                                              f"; class judge {judge.class_accuracy:.3f}"))
    result = {"collection": name, "source": data.source, "train_images": len(judge.train),
              "held_out_images": len(judge.held_out), "features": judge.network.name,
              "features_trained_on": f"{judge.network.classifier.info.source} {judge.network.classifier.info.class_names}",
              "judge_held_out_accuracy": judge.feature_accuracy, "class_judge_accuracy": judge.class_accuracy, "references": reference_rows(judge, args.seed),
              "recipes": {}}
    for recipe, overrides in recipes.items():
        config = recipe_config(overrides, COLLECTIONS[name], data, args.seed, args.cache_dir, args.threads, max(args.budgets))
        if get_variant(config.model.name).conditional and not judge.train.labelled:
            log(f"  {recipe}: skipped (conditional, and {name} has no classes)")
            continue
        train = training_split(name, config.data.size, judge, data, args)
        torch.manual_seed(args.seed)
        run_path = args.out / "runs" / f"{name}-{recipe}"
        run_path.mkdir(parents=True, exist_ok=True)
        trainer = Trainer(config, RunDir(run_path), train, progress=False)
        result["recipes"][recipe] = {"overrides": overrides, "rows": []}
        train_for_budgets(trainer, judge, args.budgets, args.out / "grids", f"{name}-{recipe}", args.seed, log,
                          result["recipes"][recipe]["rows"], lambda: save(result), tuple(args.truncation))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS), choices=list(COLLECTIONS))
    parser.add_argument("--recipes", nargs="+", help=f"recipes to train (default: {', '.join(RECIPES)})")
    parser.add_argument("--recipe", action="append", default=[], metavar="NAME=section.field=value,...",
                        help="define (or redefine) a recipe, e.g. fastgan=model.name=fastgan,train.ema=true")
    parser.add_argument("--budgets", nargs="+", type=float, default=[5, 15, 45], help="CPU minutes after which to score")
    parser.add_argument("--quick", action="store_true", help="tiny budgets and a short judge: checks the pipeline")
    parser.add_argument("--held-out", type=float, default=0.3, help="share of each collection held out for scoring")
    parser.add_argument("--judge-steps", type=int, default=400, help="training steps of the feature network")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (CPU minutes count all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truncation", nargs="*", type=float, default=[], metavar="PSI",
                        help="also score each budget's samples at these truncations (as generate --truncation)")
    parser.add_argument("--out", type=Path, default=Path("runs/quality"))
    parser.add_argument("--cache-dir", default="", help="prepared-data cache (default: artgan's)")
    parser.add_argument("--report-only", action="store_true", help="only merge --out's results-*.json into tables and the plot")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipes = dict(RECIPES)
    recipes.update(parse_recipe(text) for text in args.recipe)
    chosen = args.recipes or list(RECIPES)
    unknown = [r for r in chosen if r not in recipes]
    if unknown:
        parser.error(f"unknown recipe {unknown[0]!r}; known: {', '.join(recipes)} (define one with --recipe)")
    if args.quick:
        args.budgets, args.judge_steps = [0.05, 0.1], 60
    for folder in ("grids", "judges"):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        for name in args.collections:
            path = args.out / f"results-{name}-{'-'.join(chosen)}.json"
            run_collection(name, {r: recipes[r] for r in chosen}, args, lambda line: print(line, flush=True),
                           lambda result: path.write_text(json.dumps(result, indent=1) + "\n"))
    results = [json.loads(p.read_text()) for p in sorted(args.out.glob("results-*.json"))]
    print_tables(results)
    print(f"wrote {plot(results, args.out / 'quality.png')}")


if __name__ == "__main__":
    main()

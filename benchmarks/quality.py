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

The collections, the feature space and the scoring are judge.py's; this file trains the recipes
for their budgets and reports.

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
from collections import deque
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `python benchmarks/x.py` finds its siblings

from judge import (COLLECTIONS, Collection, Judge, copies, load_collection, make_judge, reference_rows,  # noqa: E402
                   score_images, tracker_classifier)
from quality_report import budget_line, plot, print_tables  # noqa: E402

from artgan.data import ImageSet, to_uint8  # noqa: E402
from artgan.evaluation.split import split_real  # noqa: E402
from artgan.generation import read_generator, truncate  # noqa: E402
from artgan.runs.best import best_path, forget_best, read_best  # noqa: E402
from artgan.runs.recipe import resolve_config  # noqa: E402
from artgan.runs.run_dir import RunDir  # noqa: E402
from artgan.training import Trainer, eval_classifier_of, quality_tracker, write_run_files  # noqa: E402
from artgan.variants import get_variant  # noqa: E402
from artgan.visual.grid import make_grid, upscale  # noqa: E402

# Recipes are config overrides ("section.field": value) on top of the variant's defaults; today's
# `artgan train --model NAME` with no other option is the recipe NAME.
RECIPES: dict[str, dict] = {
    "dcgan": {},
    "dcgan-old": {"train.lr_d": 2e-4, "train.ema": False},  # the default of the tables before 2026-12-07
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


def measured_in(overrides: dict, tracker: Path | None) -> dict:
    """A recipe that keeps the best checkpoint (``train.eval_every``) measures in ``tracker`` (--tracker-steps),
    unless it names its own ``train.eval_classifier``."""
    if tracker is None or not overrides.get("train.eval_every") or overrides.get("train.eval_classifier"):
        return overrides
    return {**overrides, "train.eval_classifier": str(tracker)}


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


def generator_with(trainer: Trainer, weights: dict) -> nn.Module:
    """A copy of the run's generator holding ``weights`` (another state of it), the run's own left as it is."""
    G = copy.deepcopy(trainer.G)
    G.load_state_dict(weights)
    return G


def best_generator(trainer: Trainer) -> tuple[nn.Module | None, int | None]:
    """The generator of the run's best checkpoint (``--eval-every``: what generate and evaluate sample), and its
    step; (None, None) when the run keeps none."""
    if read_best(trainer.run) is None:
        return None, None
    weights, step = read_generator(best_path(trainer.run))
    return generator_with(trainer, weights), step


def best_keeping_tracker(trainer: Trainer):
    """``--eval-every``'s tracker and best checkpoint, in a run folder as `artgan train` starts one."""
    data = trainer.sampler.data
    write_run_files(trainer.config, trainer.run, data, trainer.speed)  # the tracker reads the run's config
    forget_best(trainer.run)  # an earlier benchmark's best in the same folder is not this run's
    named = eval_classifier_of(trainer.config, trainer.run, data, resuming=False)  # a recipe's train.eval_classifier
    return quality_tracker(trainer.config, trainer.run, data, trainer, progress=False, classifier=named)


class RecentStates:
    """The sampling generator's weights every ``gap`` steps, the last ``keep`` of them: a budget's score of one
    state is a draw from a trajectory whose KID moves several-fold within a few hundred steps (docs/quality.md),
    so a recipe is also scored by the mean over its last states. An EMA run's raw G is kept beside its average:
    the raw G follows the recipe without EMA, so one run scores both on the same trajectory."""

    def __init__(self, keep: int, gap: int):
        self.gap, self.states = gap, deque(maxlen=keep)

    def due(self, step: int) -> bool:
        return bool(self.states.maxlen) and step % self.gap == 0

    def add(self, step: int, trainer: Trainer) -> None:
        sampled = trainer.sampling_generator()
        raw = None if sampled is trainer.G else copy.deepcopy(trainer.G.state_dict())
        self.states.append((step, copy.deepcopy(sampled.state_dict()), raw))

    def scores(self, trainer: Trainer, judge: Judge, seed: int, raw: bool = False) -> dict | None:
        """The kept states' KIDs and recalls and their means; ``raw``: an EMA run's raw G at the same steps."""
        kept = [(step, raw_weights if raw else weights) for step, weights, raw_weights in self.states]
        kept = [(step, weights) for step, weights in kept if weights is not None]
        if not kept:
            return None
        kids, recalls = [], []
        for _, weights in kept:
            scores = score_images(judge, *model_images(trainer, judge, seed, generator_with(trainer, weights)))
            kids.append(scores["kid"])
            recalls.append(scores["recall"])
        return {"steps": [step for step, _ in kept], "kids": kids, "recalls": recalls,
                "kid": sum(kids) / len(kids), "recall": sum(recalls) / len(recalls)}


def train_for_budgets(trainer: Trainer, judge: Judge, budgets: list[float], grids: Path, tag: str,
                      seed: int, log, rows: list | None = None, save=lambda: None,
                      truncations: tuple[float, ...] = (), recent: RecentStates | None = None) -> list[dict]:
    """Train until each budget of process CPU minutes is spent; score, save a grid and ``save()`` at each.
    Each of ``truncations`` also scores the same noise truncated (fidelity bought with variety). A recipe
    with ``train.eval_every`` measures as `artgan train` does, inside the budget (its classifier too), and
    each budget also scores the best checkpoint kept so far: what generate and evaluate would sample.
    ``recent`` states are kept outside the budget's CPU time and scored beside the last one."""
    rows, clock = ([] if rows is None else rows), trainer.clock
    recent = recent or RecentStates(0, 1)
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
            if recent.due(trainer.step):  # not counted: the benchmark's bookkeeping, not the recipe's
                clock.pause()
                recent.add(trainer.step, trainer)
                clock.start()
        clock.pause()  # scoring is not training
        images, labels = model_images(trainer, judge, seed)
        row = {"budget_minutes": budget, "cpu_minutes": clock.seconds() / 60, "steps": trainer.step,
               **score_images(judge, images, labels)}
        if trainer.sampling_generator() is not trainer.G:  # EMA: the raw G of the same run, for what averaging adds
            row["raw_generator"] = score_images(judge, *model_images(trainer, judge, seed, trainer.G))
        best_G, best_step = best_generator(trainer)
        if best_G is not None:
            row["best_checkpoint"] = {"step": best_step, **score_images(judge, *model_images(trainer, judge, seed, best_G))}
        if (states := recent.scores(trainer, judge, seed)) is not None:
            row["recent_states"] = states
        if (states := recent.scores(trainer, judge, seed, raw=True)) is not None:
            row["raw_generator"]["recent_states"] = states
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
    tracker_file = None
    if args.tracker_steps and judge.train.labelled:
        tracker_file = tracker_classifier(judge, args.tracker_steps, args.out / "judges" /
                                          f"tracker-{name}-seed{args.seed}-{args.held_out:g}-{args.tracker_steps}steps.safetensors")
    for recipe, overrides in recipes.items():
        overrides = measured_in(overrides, tracker_file)
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
                          result["recipes"][recipe]["rows"], lambda: save(result), tuple(args.truncation),
                          RecentStates(args.recent_states, args.recent_gap))
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
    parser.add_argument("--tracker-steps", type=int, default=0, metavar="N",
                        help="recipes with train.eval_every measure in a classifier of the collection's classes trained "
                             "N steps on the training split (as --eval-classifier), not in the run's own (0)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (CPU minutes count all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truncation", nargs="*", type=float, default=[], metavar="PSI",
                        help="also score each budget's samples at these truncations (as generate --truncation)")
    parser.add_argument("--recent-states", type=int, default=0, metavar="K",
                        help="also score the last K states of each budget, --recent-gap steps apart, and their mean")
    parser.add_argument("--recent-gap", type=int, default=250, metavar="STEPS", help="steps between those states")
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

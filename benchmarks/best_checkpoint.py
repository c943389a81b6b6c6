"""Keep the best, not the last: a run that degrades late, its best checkpoint against its last one.

On the few-shot collection (tuxpaint animals, 146 stamps) a DCGAN trains with ``--eval-every``
(KID in the run's own domain features, on one fixed noise batch) at its recipe's learning rate,
then resumes with both learning rates raised ``--hot`` times for the rest: the way a run ends when
its schedule is too hot or D starts to win late, and it ends worse than it was. The best and the
last checkpoints are then scored as ``benchmarks/quality.py`` scores every recipe: against a
held-out split the GAN never saw, in features learnt from other openclipart categories, with
the floors (average image, noise) and the ceiling (real vs real) beside them; KID is the primary
figure. Writes results.json and a grid of the same seeds through the best and the last generator.

    nice -n 5 python benchmarks/best_checkpoint.py                       # about 3 CPU-minutes
    nice -n 5 python benchmarks/best_checkpoint.py --seeds 0 1 2         # the check over three runs
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `python benchmarks/x.py` finds its siblings

from quality import COLLECTIONS, load_collection, make_judge, recipe_config, reference_rows, score_images  # noqa: E402

from artgan.evaluation.domain_classifier import save_classifier  # noqa: E402
from artgan.generation import load_generator  # noqa: E402
from artgan.runs.best import read_best  # noqa: E402
from artgan.runs.run_dir import RunDir  # noqa: E402
from artgan.training import Trainer, eval_classifier_of, quality_tracker, write_run_files  # noqa: E402
from artgan.evaluation.figures import captioned_row  # noqa: E402

RECIPE = {"model.name": "dcgan"}  # `artgan train --data FOLDER` with the dcgan defaults


def train_phase(config, run: RunDir, data, steps: int, resume: bool) -> float:
    """Train to ``steps`` with --eval-every's tracker and best keeper, as `artgan train` wires them; CPU seconds."""
    started = time.process_time()
    config.train.steps = steps
    classifier = eval_classifier_of(config, run, data, resuming=resume)  # --eval-classifier's, when given
    trainer = Trainer(config, run, data, progress=False)
    write_run_files(config, run, data, trainer.speed, kept=read_best(run) if resume else None)
    trainer.hooks.append(quality_tracker(config, run, data, trainer, progress=False, classifier=classifier))
    if resume:
        assert trainer.resume(), f"nothing to resume in {run.path}"
    trainer.fit()
    return time.process_time() - started


def degrading_run(args, judge, data, seed: int, tracker_classifier: Path | None) -> dict:
    """``tracker_classifier``: --eval-classifier of the run (None: the run trains its own)."""
    run = RunDir(args.out / "runs" / f"tuxpaint-dcgan-hot-{args.tracker_features}-seed{seed}")
    overrides = RECIPE | {"train.eval_every": args.eval_every, "train.checkpoint_every": args.eval_every, "train.sample_every": args.eval_every,
                          "train.calibrate": False}
    if tracker_classifier is not None:
        overrides["train.eval_classifier"] = str(tracker_classifier)
    config = recipe_config(overrides, COLLECTIONS["tuxpaint-animals"], data, seed, args.cache_dir, args.threads)
    cpu = train_phase(config, run, judge.train, args.steps, resume=False)
    config.train.lr_g, config.train.lr_d = config.train.lr_g * args.hot, config.train.lr_d * args.hot
    cpu += train_phase(config, run, judge.train, args.steps + args.hot_steps, resume=True)
    rows = {}
    for choice in ("best", "last"):
        model = load_generator(run.path, checkpoint=choice)
        images = model.sample(len(judge.held_out), seed=1000 + seed)  # noise neither tracker nor training drew
        rows[choice] = {"step": model.step, **score_images(judge, images)}
    best = read_best(run)
    return {"seed": seed, "run": str(run.path), "cpu_minutes": cpu / 60, "hot_from_step": args.steps,
            "tracked": {"metric": best.metric, "score": best.score, "step": best.step}, "rows": rows}


def comparison_grid(result: dict, path: Path, n: int = 8) -> Path:
    """The same seeds through the best (top row) and the last (bottom row) generator."""
    rows = []
    for choice in ("best", "last"):
        model = load_generator(result["run"], checkpoint=choice)
        rows.append(captioned_row(model.sample_seeds(list(range(n))), [f"seed {s}" for s in range(n)],
                                  f"{choice}: step {model.step}, KID {result['rows'][choice]['kid']:.4f}", 190))
    width, height = max(r.width for r in rows), sum(r.height for r in rows)
    from PIL import Image

    canvas = Image.new("RGB", (width, height), "white")
    for index, row in enumerate(rows):
        canvas.paste(row, (0, sum(r.height for r in rows[:index])))
    canvas.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="one degrading run per seed")
    parser.add_argument("--steps", type=int, default=800, help="steps at the recipe's learning rate")
    parser.add_argument("--hot-steps", type=int, default=400, help="steps after that at --hot times the rate")
    parser.add_argument("--hot", type=float, default=10.0, help="learning-rate factor of the late steps")
    parser.add_argument("--eval-every", type=int, default=100, help="--eval-every of the runs")
    parser.add_argument("--tracker-features", choices=("own", "judge"), default="own",
                        help="own: the run's own domain classifier, as `artgan train --eval-every` makes it (a rotation "
                             "task on half the training images here); judge: the openclipart classifier the scores use, "
                             "given to the runs as --eval-classifier")
    parser.add_argument("--held-out", type=float, default=0.3, help="share of the collection held out for scoring")
    parser.add_argument("--judge-steps", type=int, default=400, help="training steps of the feature network")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (CPU minutes count all)")
    parser.add_argument("--out", type=Path, default=Path("runs/best-checkpoint"))
    parser.add_argument("--cache-dir", default="", help="prepared-data cache (default: artgan's)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    (args.out / "judges").mkdir(parents=True, exist_ok=True)
    data = load_collection("tuxpaint-animals", args.cache_dir)
    judge = make_judge("tuxpaint-animals", data, args.held_out, args.judge_steps, 0, args.cache_dir, args.out / "judges")
    results = {"collection": "tuxpaint-animals", "train_images": len(judge.train), "held_out_images": len(judge.held_out),
               "references": {k: {m: v[m] for m in ("kid", "fid", "recall", "coverage")}
                              for k, v in reference_rows(judge, 0).items()}, "runs": []}
    tracker_classifier = None
    if args.tracker_features == "judge":  # `artgan train --eval-classifier FILE` with the judge's classifier
        tracker_classifier = save_classifier(judge.network.classifier, args.out / "judges" / "tracker-classifier.safetensors")
    for seed in args.seeds:
        result = degrading_run(args, judge, data, seed, tracker_classifier)
        result["tracker_features"] = args.tracker_features
        result["grid"] = str(comparison_grid(result, args.out / f"best-vs-last-{args.tracker_features}-seed{seed}.png"))
        results["runs"].append(result)
        best, last = result["rows"]["best"], result["rows"]["last"]
        print(f"seed {seed}: best step {best['step']} KID {best['kid']:.4f} FID {best['fid']:.1f} recall "
              f"{best['recall']:.3f} | last step {last['step']} KID {last['kid']:.4f} FID {last['fid']:.1f} recall "
              f"{last['recall']:.3f} | {result['cpu_minutes']:.1f} CPU-min", flush=True)
        (args.out / f"results-{args.tracker_features}.json").write_text(json.dumps(results, indent=1) + "\n")
    for name, row in results["references"].items():
        print(f"{name:24s} KID {row['kid']:.4f} FID {row['fid']:.1f} recall {row['recall']:.3f} coverage {row['coverage']:.3f}")
    worse = [r["seed"] for r in results["runs"] if r["rows"]["best"]["kid"] > r["rows"]["last"]["kid"]]
    if worse:  # the check: exit status 1, so a script or CI can rely on it
        raise SystemExit(f"best's KID is WORSE than last's for seeds {worse}")
    print(f"best's KID is never worse than last's ({len(results['runs'])} runs)")


if __name__ == "__main__":
    main()

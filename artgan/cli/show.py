"""`artgan show RUN WHAT`: one visual analysis of a trained run, as a PNG (and a GIF for interpolations)."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import DEVICE_HELP, HelpFormatter, add_checkpoint_argument, add_run_argument, check_count

ANALYSES = {
    "interpolate": "latent walks between random z, spherical (or --linear), as a grid and a GIF",
    "classes": "same noise, every class: row = class, column = latent vector (conditional models)",
    "ranking": "top-k and bottom-k samples by the discriminator, per class for conditional models",
    "curves": "training curves: losses, D(x), D(G(z)) and any metric tracked with --eval-every",
    "average": "the average real image beside the average of the samples (brightness and colour bias)",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "show", help="draw one analysis of a trained run: " + ", ".join(ANALYSES),
        description="Draw one visual analysis of a trained run (its best checkpoint when training kept one, else "
                    "its last; --checkpoint chooses). " + "; ".join(f"{k}: {v}" for k, v in ANALYSES.items()),
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    parser.add_argument("what", choices=list(ANALYSES), help="which analysis")
    add_checkpoint_argument(parser)
    parser.add_argument("--out", metavar="FILE.png", help="where the picture goes (default: RUN/show/WHAT.png)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed: same seed, same pictures")
    parser.add_argument("--rows", type=int, default=4, help="interpolate: number of walks")
    parser.add_argument("--steps", type=int, default=8, help="interpolate: images per walk in the grid")
    parser.add_argument("--seeds", metavar="A,B,...", help="interpolate: walk between these seeds' images (A to B, B to C, ...; 3-5 is 3,4,5) instead of random pairs")
    parser.add_argument("--linear", action="store_true", help="interpolate: straight lines instead of slerp")
    parser.add_argument("--class", dest="class_name", metavar="NAME", help="interpolate: walk within this class (conditional models)")
    parser.add_argument("--per-class", type=int, default=8, help="classes: latent vectors (columns)")
    parser.add_argument("--k", type=int, default=8, help="ranking: images in the top and bottom rows")
    parser.add_argument("--n", type=int, default=256, help="ranking, average: samples drawn (per class for ranking)")
    parser.add_argument("--device", default="cpu", help=DEVICE_HELP)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from artgan.paths import check_output_file, check_writable

    for flag, value, low, high in (("--rows", args.rows, 1, 64), ("--steps", args.steps, 2, 64),
                                   ("--per-class", args.per_class, 1, 64), ("--k", args.k, 1, 64)):
        check_count(flag, value, low, high, "rows or columns of one picture")
    check_count("--n", args.n, 1, 100_000, "samples drawn")
    out = check_output_file(args.out, "--out") if args.out else Path(args.run_dir) / "show" / f"{args.what}.png"
    check_writable(out.parent, "use --out FILE.png to write the picture somewhere else")
    out.parent.mkdir(parents=True, exist_ok=True)
    written = DRAW[args.what](args, out)
    print("wrote " + " and ".join(str(p) for p in written))
    return 0


def draw_interpolation(args, out):
    from artgan.cli.arguments import parse_seeds
    from artgan.evaluation.figures import interpolation_figure, interpolation_gif
    from artgan.generation import load_generator

    from artgan.errors import ArtganError

    seeds = parse_seeds(args.seeds) if args.seeds else None
    if seeds is not None and len(seeds) < 2:
        raise ArtganError(f"--seeds needs at least two seeds to walk between, got {args.seeds!r}")
    model = load_generator(args.run_dir, args.device, args.checkpoint)
    spherical = not args.linear
    interpolation_figure(model, args.rows, args.steps, args.seed, spherical, args.class_name, seeds).save(out)
    gif = interpolation_gif(model, out.with_suffix(".gif"), args.rows, 24, args.seed, spherical, args.class_name, seeds)
    return [out, gif]


def draw_classes(args, out):
    from artgan.errors import ArtganError
    from artgan.evaluation.figures import class_grid_figure
    from artgan.generation import load_generator

    model = load_generator(args.run_dir, args.device, args.checkpoint)
    if not model.conditional:
        raise ArtganError(f"`show classes` needs a conditional model (cdcgan, acgan, can); this run's is {model.variant.name}")
    class_grid_figure(model, args.per_class, args.seed).save(out)
    return [out]


def draw_ranking(args, out):
    from artgan.evaluation.figures import ranking_figure
    from artgan.evaluation.ranking import load_discriminator, rank_samples
    from artgan.generation import load_generator

    model = load_generator(args.run_dir, args.device, args.checkpoint)
    ranking_figure(rank_samples(model, load_discriminator(args.run_dir, model), args.n, args.k, args.seed)).save(out)
    return [out]


def draw_curves(args, out):
    from artgan.errors import ArtganError
    from artgan.runs.metrics_log import read_metrics
    from artgan.runs.run_dir import open_run
    from artgan.visual.plots import plot_training_curves

    run = open_run(args.run_dir)
    if plot_training_curves(read_metrics(run.path), out) is None:
        raise ArtganError(f"run {args.run_dir!r} has no metrics.csv to plot")
    return [out]


def draw_average(args, out):
    import torch

    from artgan.evaluation.evaluate import run_data
    from artgan.evaluation.figures import captioned_row
    from artgan.generation import load_generator
    from artgan.visual.preview import average_image

    model = load_generator(args.run_dir, args.device, args.checkpoint)
    samples = model.sample(args.n, args.seed).double().mean(0).round().to(torch.uint8)
    pair = torch.stack([average_image(run_data(model)), samples])
    captioned_row(pair, ["real data", f"{args.n} samples"], "average", 64).save(out)
    return [out]


DRAW = {"interpolate": draw_interpolation, "classes": draw_classes, "ranking": draw_ranking,
        "curves": draw_curves, "average": draw_average}

"""`artgan generate`: PNG images from a trained run."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_run_argument, add_runtime_arguments


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate", help="write generated images (and a grid) from a trained run",
        description="Sample a trained run's generator (its EMA copy when it has one).",
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    parser.add_argument("--n", type=int, default=64, help="number of images")
    parser.add_argument("--out", metavar="DIR", help="folder for the PNG files (default: RUN/generated)")
    parser.add_argument("--grid", metavar="FILE.png", help="also write all images as one grid")
    parser.add_argument("--class", dest="class_name", metavar="NAME", help="class to generate (conditional models)")
    parser.add_argument("--per-class", type=int, metavar="N", help="N images of every class into DIR/<class>/ (conditional models)")
    add_runtime_arguments(parser, seed_help="noise seed: same seed, same images", quiet_help="print nothing but errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch

    from artgan.errors import ArtganError
    from artgan.generation import load_generator
    from artgan.visual.grid import make_grid, save_images

    if args.n < 1 or (args.per_class is not None and args.per_class < 1):
        raise ArtganError("--n and --per-class must be at least 1")
    model = load_generator(args.run_dir, device=args.device)
    out = Path(args.out) if args.out else Path(args.run_dir) / "generated"
    if args.per_class is not None:
        if not model.conditional:
            raise ArtganError(f"--per-class needs a conditional model; this run's model ({model.variant.name}) is unconditional")
        batches = []
        for index, name in enumerate(model.class_names):
            images = model(model.noise(args.per_class, args.seed + index), torch.full((args.per_class,), index))
            save_images(images, out / name)
            batches.append(images)
        images = torch.cat(batches)
        columns = args.per_class
    else:
        images = model.sample(args.n, args.seed, args.class_name)
        save_images(images, out)
        columns = None
    if args.grid:
        Path(args.grid).parent.mkdir(parents=True, exist_ok=True)
        make_grid(images, columns=columns).save(args.grid)
    if not args.quiet:
        print(f"wrote {len(images)} images to {out}" + (f" and the grid {args.grid}" if args.grid else ""))
    return 0

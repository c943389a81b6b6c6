"""`artgan generate`: PNG images from a trained run."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_run_argument, add_runtime_arguments, check_count


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
    from artgan.atomic import save_image_atomic
    from artgan.paths import check_output_file, check_output_folder, check_writable
    from artgan.visual.grid import make_grid, save_images

    check_count("--n", args.n, 1, 100_000, "images written as PNG files, one each")
    if args.per_class is not None:
        check_count("--per-class", args.per_class, 1, 10_000, "images of every class")
    grid = check_output_file(args.grid, "--grid") if args.grid else None
    out = check_output_folder(args.out) if args.out else Path(args.run_dir) / "generated"
    check_writable(out, "use --out DIR to write the images somewhere else")
    model = load_generator(args.run_dir, device=args.device)
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
    if grid:
        save_image_atomic(make_grid(images, columns=columns), grid)
    if not args.quiet:
        print(f"wrote {len(images)} images to {out}" + (f" and the grid {args.grid}" if args.grid else ""))
    return 0

"""`artgan generate`: PNG images from a trained run."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_checkpoint_argument, add_run_argument, add_runtime_arguments, check_count

DEFAULT_N = 64


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate", help="write generated images (and a grid) from a trained run",
        description="Sample a trained run's generator (its EMA copy when it has one), from its best checkpoint "
                    "when training kept one (--eval-every), else its last (--checkpoint chooses). --n N draws N images "
                    "from --seed; --seeds draws one image per seed, as stylegan2-ada's generate.py does "
                    "(seed0042.png is the same image on every machine).",
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    add_checkpoint_argument(parser)
    parser.add_argument("--n", type=int, help=f"number of images (default: {DEFAULT_N})")
    parser.add_argument("--seeds", metavar="LIST", help="one image per seed, e.g. 0-35,100 (ranges inclusive); "
                                                        "files seedNNNN.png; replaces --n and --seed")
    parser.add_argument("--truncation", type=float, default=1.0, metavar="PSI",
                        help="move each latent toward the mean latent: 1 = as drawn, smaller = more typical and "
                             "less varied images, 0 = the mean image")
    parser.add_argument("--out", metavar="DIR", help="folder for the PNG files (default: RUN/generated)")
    parser.add_argument("--grid", metavar="FILE.png", help="also write all images as one grid")
    parser.add_argument("--class", dest="class_name", metavar="NAME", help="class to generate (conditional models)")
    parser.add_argument("--latent", metavar="FILE.npy",
                        help="draw these latent vectors (N, latent_dim), e.g. the latent.npy of `artgan project`, instead of seeded noise")
    parser.add_argument("--per-class", type=int, metavar="N", help="N images of every class into DIR/<class>/ (conditional models)")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"),
                        help="forward-pass precision; auto: bf16 where the run trained in bf16 or mixed and this "
                             "device computes bf16 natively (about 2x fp32), else fp32")
    add_runtime_arguments(parser, seed_help="noise seed: same seed, same images", quiet_help="print nothing but errors",
                          device_default="auto")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from artgan.atomic import save_image_atomic
    from artgan.cli.arguments import parse_seeds
    from artgan.errors import ArtganError
    from artgan.generation import check_truncation, load_generator
    from artgan.paths import check_output_file, check_output_folder, check_writable
    from artgan.visual.grid import make_grid, save_images, to_pil

    if args.latent and (args.seeds or args.n is not None or args.per_class is not None):
        raise ArtganError("--latent draws the file's latent vectors; give it without --n, --seeds and --per-class")
    if args.seeds and (args.n is not None or args.per_class is not None):
        raise ArtganError("--seeds draws one image per seed; give it without --n and --per-class")
    check_count("--n", args.n or DEFAULT_N, 1, 100_000, "images written as PNG files, one each")
    if args.per_class is not None:
        check_count("--per-class", args.per_class, 1, 10_000, "images of every class")
    check_truncation(args.truncation)  # before the model loads
    seeds = parse_seeds(args.seeds) if args.seeds else None
    grid = check_output_file(args.grid, "--grid") if args.grid else None
    out = check_output_folder(args.out) if args.out else Path(args.run_dir) / "generated"
    check_writable(out, "use --out DIR to write the images somewhere else")
    model = load_generator(args.run_dir, device=args.device, precision=args.precision, checkpoint=args.checkpoint)
    columns = None
    if seeds is not None:
        images = model.sample_seeds(seeds, args.class_name, args.truncation)
        out.mkdir(parents=True, exist_ok=True)
        for seed, image in zip(seeds, images):
            to_pil(image.permute(1, 2, 0).numpy()).save(out / f"seed{seed:04d}.png")
    elif args.per_class is not None:
        images, columns = per_class_images(model, args.per_class, args.seed, args.truncation, out), args.per_class
    elif args.latent:
        import torch

        from artgan.evaluation.projection import read_latent

        z = read_latent(args.latent, model.latent_dim)
        labels = torch.full((len(z),), model.class_index(args.class_name)) if args.class_name else None
        images = model(z, labels)
        save_images(images, out)
    else:
        images = model.sample(args.n or DEFAULT_N, args.seed, args.class_name, args.truncation)
        save_images(images, out)
    if grid:
        save_image_atomic(make_grid(images, columns=columns), grid)
    if not args.quiet:
        print(f"wrote {len(images)} images of {model.describe_checkpoint()} to {out}"
              + (f" and the grid {args.grid}" if args.grid else ""))
    return 0


def per_class_images(model, per_class: int, seed: int, truncation: float, out):
    import torch

    from artgan.errors import ArtganError
    from artgan.visual.grid import save_images

    if not model.conditional:
        raise ArtganError(f"--per-class needs a conditional model; this run's model ({model.variant.name}) is unconditional")
    batches = []
    for index, name in enumerate(model.class_names):
        images = model(model.noise(per_class, seed + index, truncation), torch.full((per_class,), index))
        save_images(images, out / name)
        batches.append(images)
    return torch.cat(batches)

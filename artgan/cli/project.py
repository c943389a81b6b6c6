"""`artgan project RUN IMAGE`: find the closest image a trained model can draw to an artwork."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_run_argument, add_runtime_arguments


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "project", help="find your painting in a model: the latent (and class) whose image is closest to IMAGE",
        description="GAN inversion, as stylegan2-ada's projector: optimize a latent vector (and, for conditional "
                    "runs, the class) so the run's generator draws IMAGE as closely as it can. The loss is pixels "
                    "plus the evaluation's features (RUN/evaluation/classifier.safetensors, once `artgan evaluate` "
                    "trained it) plus VGG-19 features when those weights are on disk. Writes the closest image, "
                    "its distance, the latent as .npy (for `artgan generate --latent`) and an interpolation from "
                    "it to a random sample.",
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    parser.add_argument("image", metavar="IMAGE", help="the artwork to look for (PNG, JPEG, WebP, ...)")
    parser.add_argument("--steps", type=int, default=300, help="optimization steps (conditional runs add a short trial per class)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam's peak learning rate on the latent")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: RUN/projections/<image name>)")
    parser.add_argument("--vgg", action=argparse.BooleanOptionalAction, default=True,
                        help="add VGG-19 features to the loss when the weights are on disk (never downloads)")
    add_runtime_arguments(parser, seed_help="seed of the start latents and of the interpolation's random end")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from artgan.cli.arguments import check_count
    from artgan.errors import ArtganError
    from artgan.evaluation.projection import project
    from artgan.evaluation.projection_outputs import write_projection
    from artgan.generation import load_generator

    check_count("--steps", args.steps, 1, 100_000, "each step is one generator forward and backward pass")
    if not 0 < args.lr <= 10:
        raise ArtganError(f"--lr must be in (0, 10], got {args.lr}")
    image = read_artwork(args.image)
    model = load_generator(args.run_dir, device=args.device)
    features, vgg, vgg_missing = loss_networks(Path(args.run_dir), model, args.vgg)
    if vgg_missing and not args.quiet:
        print(f"VGG-19 features not used: {vgg_missing} (--no-vgg silences this)")
    bar = progress_bar(args.steps, args.quiet)
    projection = project(model, image, args.steps, args.seed, args.lr, features, vgg, progress=bar)
    bar.close()
    out = Path(args.out) if args.out else Path(args.run_dir) / "projections" / Path(args.image).stem
    paths = write_projection(model, projection, out, seed=args.seed)
    if not args.quiet:
        what = f" (class {model.class_names[projection.class_index]})" if projection.class_index is not None else ""
        feature = f", feature distance {projection.feature_distance:.3f}" if projection.feature_distance is not None else ""
        print(f"closest image{what}: pixel RMSE {projection.pixel_rmse:.1f} grey levels (best random start "
              f"{projection.start_rmse:.1f}){feature}; "
              f"loss: {' + '.join(projection.terms)}")
        print(f"wrote {paths['comparison']}, {paths['latent']}, {paths['animation']} and {paths['summary']}")
        cls = f" --class {model.class_names[projection.class_index]}" if projection.class_index is not None else ""
        print(f"  draw it again: artgan generate {args.run_dir} --latent {paths['latent']}{cls}")
    return 0


def read_artwork(path: str):
    from pathlib import Path

    from artgan.app.uploads import UploadError, read_upload
    from artgan.errors import ArtganError

    file = Path(path)
    if not file.is_file():
        raise ArtganError(f"image {path!r} does not exist")
    try:
        return read_upload(file.read_bytes(), file.name)
    except UploadError as error:
        raise ArtganError(str(error)) from None


def loss_networks(run_path, model, use_vgg: bool):
    """The evaluation's domain classifier and VGG-19, each when it is on disk (None otherwise), and
    why VGG-19 is not used when it is not (None when it is, or when it was not asked for)."""
    from artgan.errors import ArtganError
    from artgan.evaluation.domain_classifier import load_classifier

    features = None
    classifier = run_path / "evaluation" / "classifier.safetensors"
    if classifier.is_file():
        network = load_classifier(classifier).to(model.device).eval()
        if (network.info.channels, network.info.size) == (model.variant.channels, model.config.data.size):
            features = network
    vgg, vgg_missing = None, None
    if use_vgg:
        from artgan.style.vgg import load_vgg

        try:
            vgg = load_vgg(download=False).to(model.device).eval()
        except ArtganError as error:
            vgg_missing = str(error)
    return features, vgg, vgg_missing


def progress_bar(steps: int, quiet: bool):
    from tqdm import tqdm

    bar = tqdm(total=steps, desc="projecting", unit="step", disable=quiet)

    def update(done: int, total: int, loss: float) -> None:
        bar.total = total
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    update.close = bar.close
    return update

"""`artgan train`: one command from an image collection to a trained GAN and its pictures."""

from __future__ import annotations

import argparse

from artgan.cli.config_args import add_config_arguments, overrides_from_args


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a GAN (default: DCGAN on the built-in art set, ~5 minutes on a laptop CPU)",
        description="Train a GAN. With no option: DCGAN, 32x32, on the built-in offline art set. "
                    "Options come from the dataclass config: a config file (--config) fills the same "
                    "fields, and flags given here override it.",
    )
    parser.add_argument("--config", metavar="FILE", help="YAML or TOML config file (sections data, model, train)")
    parser.add_argument("--out", metavar="DIR", help="run directory (default: runs/<model>-<data>-<size>px)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    parser.add_argument("--list-models", action="store_true",
                        help="list the GAN variants (and the options each alone reads) and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.list_models:
        list_models()
        return 0
    config, out = resolve_train_config(args)
    from artgan.training import distributed, train

    run_dir = train(config, out=out, resume=args.resume, progress=not args.quiet)
    if not distributed.main_process():
        return 0  # under torchrun, rank 0 speaks for the run
    print(f"run directory: {run_dir.path}")
    print(f"  samples:  {run_dir.path / 'samples.png'}")
    print(f"  timelapse: {run_dir.path / 'timelapse.gif'}   curves: {run_dir.path / 'training_curves.png'}")
    print(f"  generate more: artgan generate {run_dir.path} --n 64 --out {run_dir.path / 'generated'}")
    return 0


def list_models() -> None:
    """One line per registered variant: conditional or not, its paper, and the options it alone reads."""
    from artgan.options import flag_name
    from artgan.variants import VARIANTS, variant_options

    options = variant_options()
    for name, cls in sorted(VARIANTS.items()):
        own = [flag_name(cls.model_config.__dataclass_fields__[key]) for key, readers in options.items() if cls in readers]
        print(f"{name:10s} {'conditional  ' if cls.conditional else 'unconditional'}  {cls.paper}"
              + (f"  [{' '.join(own)}]" if own else ""))


def resolve_train_config(args: argparse.Namespace):
    """The run's config (``resolve_config``: defaults < variant defaults < config file < flags) and
    its directory; --resume without --out continues the newest run of that model, data and size."""
    from artgan.config import read_config_file
    from artgan.runs.recipe import resolve_config
    from artgan.runs.run_dir import default_run_path

    layers = (read_config_file(args.config) if args.config else {}, overrides_from_args(args))
    out = args.out
    if args.resume and out is None:
        out = default_run_path(resolve_config(*layers), resume=True)
    return resolve_config(*layers, resume=out if args.resume else None), out

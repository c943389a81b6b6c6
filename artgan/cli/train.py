"""`artgan train`: one command from an image collection to a trained GAN and its pictures."""

from __future__ import annotations

import argparse

from artgan.cli.config_args import add_config_arguments, overrides_from_args

# Options a resumed run may change: how long and how it reports, not what it computes.
RESUMABLE_CHANGES = {("train", k) for k in ("steps", "epochs", "sample_every", "log_every",
                                            "checkpoint_every", "keep_checkpoints", "device")}


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
    parser.add_argument("--list-models", action="store_true", help="list the GAN variants and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from artgan.variants import VARIANTS

    if args.list_models:
        for name, cls in sorted(VARIANTS.items()):
            print(f"{name:10s} {'conditional  ' if cls.conditional else 'unconditional'}  {cls.paper}")
        return 0
    config = resolve_train_config(args)
    from artgan.training import distributed, train

    run_dir = train(config, out=args.out, resume=args.resume, progress=not args.quiet)
    if not distributed.main_process():
        return 0  # under torchrun, rank 0 speaks for the run
    print(f"run directory: {run_dir.path}")
    print(f"  samples:  {run_dir.path / 'samples.png'}")
    print(f"  timelapse: {run_dir.path / 'timelapse.gif'}   curves: {run_dir.path / 'training_curves.png'}")
    print(f"  generate more: artgan generate {run_dir.path} --n 64 --out {run_dir.path / 'generated'}")
    return 0


def resolve_train_config(args: argparse.Namespace):
    """Defaults < variant defaults < config file < flags; a resumed run keeps its saved config."""
    from artgan.config import build_config, merge_overrides, read_config_file
    from artgan.variants import get_variant

    user = merge_overrides(read_config_file(args.config) if args.config else {}, overrides_from_args(args))
    if args.resume and args.out:
        return resumed_config(args.out, user)
    model = user.get("model", {}).get("name", "dcgan")
    return build_config(user, get_variant(model).defaults)


def resumed_config(out: str, user: dict):
    from pathlib import Path

    from artgan.config import build_config
    from artgan.errors import ArtganError
    from artgan.runs.run_dir import RunDir

    run = RunDir(Path(out))
    if not run.config_file.exists():
        return build_config(user)  # nothing to resume yet: a fresh start in that folder
    saved = run.read_config()
    saved_dict = saved.to_dict()
    conflicts = [f"{s}.{k}: saved {saved_dict[s][k]!r}, asked {v!r}" for s, values in user.items() for k, v in values.items()
                 if (s, k) not in RESUMABLE_CHANGES and saved_dict[s].get(k) != v]
    if conflicts:
        raise ArtganError(f"cannot resume {out} with a different config ({'; '.join(conflicts)}); "
                          f"start a new run with another --out instead")
    for section, values in user.items():
        saved_dict[section].update(values)
    return build_config(saved_dict)

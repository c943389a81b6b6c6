"""`artgan push RUN user/name`: publish a run on the Hugging Face Hub."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_run_argument


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "push", help="publish a run on the Hugging Face Hub (generator, config, model card, sample grid)",
        description="Upload a trained run to a Hugging Face model repository (created if needed): the generator "
                    "as safetensors (its EMA copy when it has one), config.yaml, run.json, the sample grid, the "
                    "evaluation metrics if `artgan evaluate` ran, and a model card. Anyone can then use it as "
                    "hf:user/name wherever a run is accepted. Needs the internet and a token that can write "
                    "(hf auth login, or HF_TOKEN).",
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    parser.add_argument("repo", metavar="USER/NAME", help="the model repository, e.g. alice/wikiart-dcgan")
    parser.add_argument("--license", default="other",
                        help="licence id for the model card (e.g. mit, cc-by-4.0, cc-by-nc-4.0); mind the data's licence")
    parser.add_argument("--private", action="store_true", help="create the repository private")
    parser.add_argument("--message", help="commit message (default: artgan push RUN)")
    parser.add_argument("--local", metavar="DIR", help="write the repository's files into DIR instead of uploading "
                                                       "(DIR is then a run artgan can load)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from artgan.hub.push import publish_folder, push

    if args.local:
        folder = publish_folder(args.run_dir, args.repo, Path(args.local), args.license)
        print(f"wrote the Hub layout of {args.run_dir} to {folder}")
        return 0
    url = push(args.run_dir, args.repo, args.license, args.private, message=args.message)
    print(f"pushed {args.run_dir} to {url}; use it as hf:{args.repo}")
    return 0

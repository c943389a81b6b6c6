"""The `artgan` command: one sub-command per module of this package.

Each module listed in ``COMMANDS`` exposes ``add_parser(subparsers)``, which registers its
sub-command and sets ``run`` (a function taking the parsed arguments and returning an exit code).
Modules import torch and friends inside ``run`` so that ``artgan --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from artgan import __version__
from artgan.errors import ArtganError

# In the order `artgan --help` lists them: the workflow first, then the web app, visual analyses
# with the domain classifier and GAN-train/test, neural style transfer, the generator as ONNX or
# TorchScript, a run published to the Hugging Face Hub,
# and GAN inversion (an artwork's closest image in a model).
COMMANDS = ["train", "generate", "data", "evaluate", "app", "show", "classify", "stylize", "style", "export", "push", "project"]


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value is the same one line as every other error (argparse's
    own form is a usage block plus ``prog: error:``), raised so that ``main`` returns 2."""

    def error(self, message: str):
        raise ArtganError(f"{self.prog}: {message}; see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="artgan",
        description="Train GANs on an image collection, generate art, and measure what came out.",
        epilog="Run `artgan COMMAND --help` for the options of each command.",
    )
    parser.add_argument("--version", action="version", version=f"artgan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"artgan.cli.{name}").add_parser(subparsers)
    return parser


def one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings from artgan's own code read like its errors: one line, no source location."""
    return f"artgan: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    formatwarning, warnings.formatwarning = warnings.formatwarning, one_line_warning
    try:
        args = parser.parse_args(argv)
        if getattr(args, "run_dir", None):  # hf:user/name works wherever a run directory does
            from artgan.hub.resolve import resolve_run

            args.run_dir = resolve_run(args.run_dir)
        return int(args.run(args) or 0)
    except ArtganError as error:
        print(f"artgan: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)  # e.g. 130 / 143 for a run stopped by Ctrl-C / SIGTERM
    except KeyboardInterrupt:
        print("artgan: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = formatwarning

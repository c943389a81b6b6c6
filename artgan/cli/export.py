"""`artgan export RUN`: the generator as ONNX or TorchScript, for programs without artgan."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_run_argument


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="write a run's generator as ONNX or TorchScript",
        description="Export a trained run's generator (its EMA copy when it has one). The file takes latent "
                    "vectors z (N, latent_dim) drawn from N(0, I), and class indices labels (N,) for a "
                    "conditional model, and returns images (N, C, H, W) in [-1, 1]. ONNX needs the export extra: "
                    "pip install -e '.[export]'.",
        formatter_class=HelpFormatter,
    )
    add_run_argument(parser)
    parser.add_argument("--format", choices=("onnx", "torchscript"), default="onnx",
                        help="onnx: onnxruntime, browsers, C++; torchscript: torch.jit.load in any PyTorch program")
    parser.add_argument("--out", metavar="FILE", help="where the file goes (default: RUN/export/generator.onnx or .pt)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from artgan.export import FORMATS, export_generator
    from artgan.generation import load_generator

    model = load_generator(args.run_dir)
    out = Path(args.out) if args.out else Path(args.run_dir) / "export" / f"generator{FORMATS[args.format]}"
    path = export_generator(model, out, args.format)
    inputs = "z (N, {0}) float32{1}".format(model.latent_dim, ", labels (N,) int64" if model.conditional else "")
    print(f"wrote {path} ({args.format}): inputs {inputs}; output images (N, {model.variant.channels}, "
          f"{model.config.data.size}, {model.config.data.size}) in [-1, 1]")
    return 0

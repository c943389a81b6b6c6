"""`artgan stylize`: paint a content image in the style of one or more style images."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, add_runtime_arguments, check_count

SOURCE_HELP = "an image file (any mode or size), or run:RUN_DIR[:SEED|:grid] for a sample or grid of a trained run (RUN_DIR may be hf:user/name)"


def add_parser(subparsers) -> None:
    from artgan.style.settings import GatysSettings

    defaults = GatysSettings()
    parser = subparsers.add_parser(
        "stylize", aliases=["stylise"], help="neural style transfer: a photo (or GAN sample) painted in an artwork's style",
        description="Neural style transfer with VGG-19. full mode optimizes the image (Gatys et al. 2016): "
                    "best quality, seconds per step on CPU. fast mode is one pass of AdaIN (Huang & Belongie "
                    "2017) through a decoder trained once with `artgan style train-decoder`.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("content", metavar="CONTENT", help=f"the picture to repaint: {SOURCE_HELP}")
    parser.add_argument("styles", metavar="STYLE", nargs="+", help=f"the style: {SOURCE_HELP}; several are blended")
    parser.add_argument("-o", "--out", metavar="FILE.png", default="stylized.png", help="output PNG")
    parser.add_argument("--mode", choices=("full", "fast"), default="full",
                        help="full: Gatys optimization; fast: AdaIN feed-forward (needs a trained decoder)")
    parser.add_argument("--fast", dest="mode", action="store_const", const="fast", default=argparse.SUPPRESS,
                        help="same as --mode fast")
    parser.add_argument("--size", type=int, default=256, help="longer side of the output in pixels")
    parser.add_argument("--steps", type=int, default=defaults.steps, help="loss evaluations (forward+backward passes) per scale (full mode)")
    parser.add_argument("--strength", type=float, default=1.0,
                        help="how much style: fast mode 0..1 (AdaIN alpha); full mode multiplies --style-weight")
    parser.add_argument("--style-blend", metavar="W1,W2,...",
                        help="weight of each STYLE when several are given; none: equal weights")
    parser.add_argument("--content-weight", type=float, default=defaults.content_weight, help="weight of the conv4_2 content loss (full)")
    parser.add_argument("--style-weight", type=float, default=defaults.style_weight, help="weight of the conv1_1..conv5_1 Gram loss (full)")
    parser.add_argument("--tv-weight", type=float, default=defaults.tv_weight, help="weight of the total-variation smoothness loss (full)")
    parser.add_argument("--optimizer", choices=("lbfgs", "adam"), default=defaults.optimizer, help="optimizer of the pixels (full)")
    parser.add_argument("--lr", type=float, default=defaults.lr, help="Adam's step size on pixels in [0, 1] (full, adam)")
    parser.add_argument("--init", choices=("content", "noise"), default=defaults.init, help="starting image (full)")
    parser.add_argument("--scales", type=int, default=defaults.scales,
                        help="coarse-to-fine scales, each twice the last (full); 0: one per doubling above 512 px")
    parser.add_argument("--preserve-color", action="store_true", help="keep the content's colours, take only the style's strokes")
    parser.add_argument("--decoder", metavar="PATH", help="AdaIN decoder (fast mode); default: $ARTGAN_ADAIN_DECODER "
                                                          "or ~/.cache/artgan/weights/adain_decoder.safetensors")
    add_style_runtime_arguments(parser, seed=defaults.seed, seed_help="seed of the noise start (--init noise)")
    parser.set_defaults(run=run)


def add_style_runtime_arguments(parser: argparse.ArgumentParser, seed: int, seed_help: str) -> None:
    """The options every style-transfer command shares: weights, seed, device, precision, output."""
    parser.add_argument("--vgg-weights", metavar="PATH",
                        help="VGG-19 ImageNet weights (torchvision's vgg19-dcbb9e9d.pth); default: $ARTGAN_VGG_WEIGHTS, "
                             "~/.cache/artgan/weights, or a download. 'random' is for tests only")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="bf16 autocast of VGG")
    add_runtime_arguments(parser, seed_help, seed, quiet_help="no progress bar, print nothing but errors")


def run(args: argparse.Namespace) -> int:
    from artgan.style.io import open_image, save_png
    from artgan.style.settings import GatysSettings
    from artgan.style.transfer import transfer

    check_count("--steps", args.steps, 1, 100_000, "each is one VGG forward and backward pass")
    check_count("--scales", args.scales, 0, 8, "0 picks them from the size; each more halves the starting size")

    settings = GatysSettings(steps=args.steps, content_weight=args.content_weight, style_weight=args.style_weight,
                             tv_weight=args.tv_weight, optimizer=args.optimizer, lr=args.lr, init=args.init,
                             scales=args.scales, seed=args.seed, style_blend=parse_weights(args.style_blend))
    content = open_image(args.content)
    styles = [open_image(style) for style in args.styles]
    result = transfer(content, styles, mode=args.mode, size=args.size, strength=args.strength, settings=settings,
                      weights=args.vgg_weights, decoder=args.decoder, device=args.device, precision=args.precision,
                      keep_colors=args.preserve_color, show_bar=not args.quiet)
    path = save_png(result.image, args.out)
    if not args.quiet:
        if result.losses:
            first, last = result.losses[0], result.losses[-1]
            print(f"losses over {len(result.losses)} steps: style {first.style:.4g} -> {last.style:.4g}, "
                  f"content {first.content:.4g} -> {last.content:.4g}, total {first.total:.4g} -> {last.total:.4g}")
        print(f"wrote {path} ({result.image.width}x{result.image.height}, {args.mode} mode, {result.seconds:.1f} s)")
    return 0


def parse_weights(text: str | None) -> list[float]:
    from artgan.errors import ArtganError

    try:
        return [float(part) for part in (text or "").split(",") if part.strip()]
    except ValueError:
        raise ArtganError(f"--style-blend {text!r}: give comma-separated numbers, e.g. 0.7,0.3") from None

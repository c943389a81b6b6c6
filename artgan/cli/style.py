"""`artgan style ...`: the tools behind `artgan stylize` (for now: training the fast mode's decoder)."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter, check_count


def add_parser(subparsers) -> None:
    from artgan.cli.stylize import add_style_runtime_arguments
    from artgan.style.settings import DecoderTraining

    parser = subparsers.add_parser("style", help="style-transfer tools: train the AdaIN decoder of `stylize --fast`",
                                   description="Tools behind `artgan stylize`.")
    commands = parser.add_subparsers(dest="style_command", metavar="TOOL", required=True)
    defaults = DecoderTraining()
    train = commands.add_parser(
        "train-decoder", help="train the AdaIN decoder of `artgan stylize --fast` on your photos and paintings",
        description="Train the decoder of AdaIN fast style transfer (Huang & Belongie 2017) against the VGG-19 "
                    "weights you use for stylize. Any artgan data source works for both sets (a folder, "
                    "builtin:art, hf:...); run:RUN_DIR uses a trained GAN's samples as styles.",
        formatter_class=HelpFormatter,
    )
    train.add_argument("--content", required=True, metavar="SOURCE", help="photos: a folder or any artgan data source")
    train.add_argument("--style", required=True, metavar="SOURCE",
                       help="paintings: a folder, builtin:art, hf:huggan/wikiart, or run:RUN_DIR (GAN samples)")
    train.add_argument("--out", metavar="FILE", help="decoder file (default: where stylize --fast looks, "
                                                     "$ARTGAN_ADAIN_DECODER or ~/.cache/artgan/weights/adain_decoder.safetensors)")
    train.add_argument("--size", type=int, default=128, help="training crop side: 16, 32, 64, 128 or 256")
    train.add_argument("--steps", type=int, default=defaults.steps, help="optimizer steps")
    train.add_argument("--batch", type=int, default=defaults.batch, help="content/style pairs per step")
    train.add_argument("--lr", type=float, default=defaults.lr, help="Adam learning rate")
    train.add_argument("--style-weight", type=float, default=defaults.style_weight, help="weight of the style (moment) loss")
    train.add_argument("--save-every", type=int, default=defaults.save_every, help="write the decoder every N steps")
    train.add_argument("--limit", type=int, default=0, help="at most this many images of each set (0 = all; run: 256)")
    add_style_runtime_arguments(train, seed=defaults.seed, seed_help="seed of the batches and the decoder's init")
    train.set_defaults(run=run_train_decoder)


def run_train_decoder(args: argparse.Namespace) -> int:
    from artgan.style.adain import default_decoder_path
    from artgan.style.settings import DecoderTraining
    from artgan.style.train_decoder import load_training_images, train_decoder
    from artgan.style.transfer import autocast_for, cached_vgg
    from artgan.device import resolve_device

    check_count("--steps", args.steps, 1, 10_000_000, "optimizer steps")
    check_count("--batch", args.batch, 1, 4096, "content/style pairs held in memory at once")
    check_count("--save-every", args.save_every, 1, 10_000_000, "steps between decoder files")
    check_count("--limit", args.limit, 0, 10_000_000, "images of each set")
    device = resolve_device(args.device)
    vgg = cached_vgg(args.vgg_weights)
    content = load_training_images(args.content, args.size, args.limit, args.seed, not args.quiet)
    style = load_training_images(args.style, args.size, args.limit, args.seed, not args.quiet)
    out = args.out or default_decoder_path()
    settings = DecoderTraining(steps=args.steps, batch=args.batch, lr=args.lr, style_weight=args.style_weight,
                               save_every=args.save_every, seed=args.seed)
    history = train_decoder(vgg, content, style, out, settings, device, autocast_for(args.precision, device),
                            show_bar=not args.quiet)
    if not args.quiet:
        (c0, s0), (c1, s1) = window_mean(history[:len(history) // 10 + 1]), window_mean(history[-(len(history) // 10 + 1):])
        print(f"trained on {len(content)} content and {len(style)} style images for {len(history)} steps: "
              f"content loss {c0:.4g} -> {c1:.4g}, style loss {s0:.4g} -> {s1:.4g} "
              "(means of the first and last tenth)")
        print(f"wrote {out}; use it with `artgan stylize CONTENT STYLE --fast" + (f" --decoder {out}`" if args.out else "`"))
    return 0


def window_mean(losses: list[tuple[float, float]]) -> tuple[float, float]:
    """Single batches are noisy: compare the means of windows of steps."""
    return tuple(sum(values) / len(values) for values in zip(*losses))

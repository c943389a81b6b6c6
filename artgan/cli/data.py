"""`artgan data`: what a data source holds, a preview grid and its average image."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "data", help="inspect a data source: counts, classes, skipped files, preview and average image",
        description="Prepare a data source as training would (and cache it), then describe it.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("source", metavar="SOURCE", help="folder, builtin:art, sklearn:digits, hf:<dataset>, mnist, ...")
    parser.add_argument("--size", type=int, default=64, help="image side after resize + centre crop")
    parser.add_argument("--channels", type=int, default=0, help="1, 3, or 0 for the source's own")
    parser.add_argument("--label", help="label column (Hugging Face data sets)")
    parser.add_argument("--image-column", default="", help="image column (Hugging Face data sets; default: image)")
    parser.add_argument("--split", default="train", help="split (Hugging Face data sets)")
    parser.add_argument("--limit", type=int, default=0, help="use at most this many images (0 = all)")
    parser.add_argument("--out", metavar="DIR", default="data-preview", help="where the preview and average image go")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from artgan.config import DataConfig
    from artgan.data import load_images
    from artgan.visual.grid import make_grid, upscale
    from artgan.visual.preview import average_image, preview_images

    config = DataConfig(source=args.source, size=args.size, channels=args.channels, label=args.label,
                        image_column=args.image_column, split=args.split, limit=args.limit)
    data = load_images(config)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    upscale(make_grid(preview_images(data))).save(out / "preview.png")
    upscale(make_grid(average_image(data)[None]), 128).save(out / "average.png")
    print(f"source:   {data.source}")
    print(f"images:   {len(data)} usable, {data.skipped} skipped (unreadable or broken)")
    for example in data.skipped_examples:
        print(f"          skipped {example}")
    print(f"shape:    {data.channels} x {data.size} x {data.size} ({'grayscale' if data.channels == 1 else 'RGB'})")
    if data.labelled:
        print(f"classes:  {data.num_classes}")
        for name, count in data.class_counts().items():
            print(f"          {name:24s} {count}")
    else:
        print("classes:  none (unlabelled)")
    print(f"preview:  {out / 'preview.png'}\naverage:  {out / 'average.png'} (the average-image baseline)")
    return 0

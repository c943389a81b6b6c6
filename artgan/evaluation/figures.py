"""The evaluation's pictures as PIL images (and a few matplotlib PNGs), shared by `artgan show` and the report."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from artgan.evaluation.memorisation import MemorisationCheck
from artgan.evaluation.ranking import Ranked
from artgan.generation import LoadedGenerator
from artgan.visual.grid import make_grid
from artgan.visual.latent import class_grid_images, interpolation_images

TILE = 64  # small samples are enlarged to at least this many pixels so a caption fits under them
BACKGROUND = (255, 255, 255)


def font(size: int = 12) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def enlarge(images: torch.Tensor, min_side: int = TILE) -> torch.Tensor:
    """Nearest-neighbour enlarge uint8 (N, C, H, W) so that 16 px samples stay crisp in a page."""
    factor = max(1, math.ceil(min_side / images.shape[-1]))
    return images.repeat_interleave(factor, -1).repeat_interleave(factor, -2) if factor > 1 else images


def captioned_row(images: torch.Tensor, captions: list[str], title: str = "", title_width: int = 0) -> Image.Image:
    """One row of tiles with a caption under each and an optional title on the left."""
    tiles = make_grid(enlarge(images), columns=len(images), padding=4).convert("RGB")
    tile = tiles.width // max(len(images), 1)
    canvas = Image.new("RGB", (title_width + tiles.width, tiles.height + 16), BACKGROUND)
    canvas.paste(tiles, (title_width, 0))
    draw = ImageDraw.Draw(canvas)
    for index, caption in enumerate(captions):
        draw.text((title_width + index * tile + 4, tiles.height), caption, fill=(40, 40, 40), font=font(11))
    if title:
        draw.text((4, tiles.height // 2 - 6), title, fill=(0, 0, 0), font=font(12))
    return canvas


def stack(rows: list[Image.Image], gap: int = 6) -> Image.Image:
    width, height = max(r.width for r in rows), sum(r.height for r in rows) + gap * (len(rows) - 1)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    top = 0
    for row in rows:
        canvas.paste(row, (0, top))
        top += row.height + gap
    return canvas


def ranking_figure(pairs: list[tuple[Ranked, Ranked]]) -> Image.Image:
    """Top-k and bottom-k samples by D, its probability (D=) or a critic's score (C=) under each;
    one pair of rows per class."""
    rows = []
    for top, bottom in pairs:
        for name, ranked in (("top", top), ("bottom", bottom)):
            title = f"{ranked.label}\n{name}" if ranked.label else name
            captions = [f"D={s:.2f}" if ranked.probability else f"C={s:.3g}" for s in ranked.scores.tolist()]
            rows.append(captioned_row(ranked.images, captions, title, 96))
    return stack(rows)


def memorisation_figure(check: MemorisationCheck) -> Image.Image:
    """Each row: a sample, then its nearest training images with their feature distances."""
    rows = []
    for sample, neighbours, distances in zip(check.samples, check.neighbours, check.distances):
        images = torch.cat([sample[None], neighbours])
        rows.append(captioned_row(images, ["sample"] + [f"d={d:.2f}" for d in distances.tolist()]))
    return stack(rows, gap=2)


def distance_histogram(check: MemorisationCheck, path: str | Path | None = None) -> bytes:
    """Histogram of nearest-training-image distances: samples against real held-out images (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.4))
    upper = float(torch.quantile(torch.cat([check.sample_distances, check.held_out_distances]), 0.99))
    bins = np.linspace(0, max(upper, 1e-6), 40)
    axis.hist(check.held_out_distances.numpy(), bins, alpha=0.6, label="real held-out", density=True)
    axis.hist(check.sample_distances.numpy(), bins, alpha=0.6, label="samples", density=True)
    axis.set_xlabel("distance to the nearest training image (feature space)")
    axis.set_title(f"memorisation check: {check.copy_rate:.1%} of samples closer than 99% of real images")
    axis.legend()
    figure.tight_layout()
    return save_figure(figure, path)


def save_figure(figure, path: str | Path | None = None) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    if path:
        Path(path).write_bytes(buffer.getvalue())
    return buffer.getvalue()


def interpolation_figure(model: LoadedGenerator, rows: int = 4, steps: int = 8, seed: int = 0,
                         spherical: bool = True, class_name: str | None = None, seeds: list[int] | None = None) -> Image.Image:
    images = interpolation_images(model, rows, steps, seed, spherical, class_name, seeds)
    return make_grid(enlarge(images), columns=steps)


def interpolation_gif(model: LoadedGenerator, path: str | Path, walks: int = 4, frames: int = 24, seed: int = 0,
                      spherical: bool = True, class_name: str | None = None, seeds: list[int] | None = None) -> Path:
    """The walks as an animation: frame t shows every walk at position t, going there and back."""
    images = enlarge(interpolation_images(model, walks, frames, seed, spherical, class_name, seeds), 96)
    walks = len(seeds) - 1 if seeds else walks
    images = images.view(walks, frames, *images.shape[1:])
    pictures = [make_grid(images[:, t], columns=walks).convert("RGB") for t in range(frames)]
    pictures += pictures[-2:0:-1]  # ping-pong, so the loop has no jump
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=80, loop=0)
    return Path(path)


def class_grid_figure(model: LoadedGenerator, per_class: int = 8, seed: int = 0) -> Image.Image:
    """Row = class (named on the left), column = one noise vector shared by every row."""
    images = class_grid_images(model, per_class, seed)
    rows = [captioned_row(images[i * per_class:(i + 1) * per_class], [], name, 96)
            for i, name in enumerate(model.class_names)]
    return stack(rows, gap=0)


def image_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()

"""Image grids, PNG files and the training timelapse GIF, with PIL only."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from artgan.atomic import write_bytes_atomic
from artgan.visual.animation import gif_bytes


def make_grid(images: torch.Tensor, columns: int | None = None, padding: int = 2, background: int = 255) -> Image.Image:
    """uint8 (N, C, H, W) -> one PIL image with the N tiles on a near-square grid."""
    images = images.detach().cpu()
    n, channels, height, width = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    canvas = np.full((padding + rows * (height + padding), padding + columns * (width + padding), channels),
                     background, dtype=np.uint8)
    for index, image in enumerate(images.permute(0, 2, 3, 1).numpy()):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        canvas[top:top + height, left:left + width] = image
    return to_pil(canvas)


def to_pil(array: np.ndarray) -> Image.Image:
    """HxWxC uint8 -> PIL ('L' for one channel)."""
    return Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)


def upscale(image: Image.Image, min_side: int = 256) -> Image.Image:
    """Nearest-neighbour enlarge small grids so a 16px sample is not a smudge in a viewer."""
    factor = max(1, math.ceil(min_side / min(image.size)))  # min_side 0: as it is
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST) if factor > 1 else image


def save_images(images: torch.Tensor, directory: Path, prefix: str = "", start: int = 0) -> list[Path]:
    """Each uint8 (C, H, W) image as its own PNG: ``{prefix}{index:05d}.png``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = images.detach().cpu().permute(0, 2, 3, 1).numpy()
    paths = [directory / f"{prefix}{start + offset:05d}.png" for offset in range(len(arrays))]
    # PIL's PNG encoder (zlib) releases the GIL, so threads encode in parallel without process start-up.
    with ThreadPoolExecutor(min(len(paths), os.cpu_count() or 1) or 1) as pool:
        list(pool.map(lambda pair: to_pil(pair[0]).save(pair[1]), zip(arrays, paths)))
    return paths


def save_timelapse(frames: list[Path], path: Path, seconds: float = 8.0, max_frames: int = 60) -> Path | None:
    """The fixed-noise grids of a run as an animated GIF file; see ``timelapse_gif``."""
    data = timelapse_gif(frames, seconds, max_frames)
    if data is None:
        return None
    write_bytes_atomic(path, data)
    return Path(path)


def _readable(frames: list[Path]) -> list[Image.Image]:
    """The grids that decode; one damaged on disk costs its frame, not the whole timelapse."""
    images = []
    for frame in frames:
        try:
            with Image.open(frame) as image:
                images.append(image.convert("RGB"))
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            continue
    return images


def timelapse_gif(frames: list[Path], seconds: float = 8.0, max_frames: int = 60, min_side: int = 0) -> bytes | None:
    """Animated GIF bytes of the grids in ``frames``, thinned to ``max_frames`` and enlarged to
    ``min_side`` (nearest neighbour); None when there is none. In memory, so the web app can show
    a run's timelapse so far without writing into it."""
    if not frames:
        return None
    if len(frames) > max_frames:
        picks = np.linspace(0, len(frames) - 1, max_frames).round().astype(int)
        frames = [frames[i] for i in sorted(set(picks))]
    images = [upscale(image, min_side) for image in _readable(frames)]
    if not images:
        return None
    duration = max(40, int(1000 * seconds / len(images)))
    durations = [duration] * (len(images) - 1) + [2000]  # hold the last frame
    return gif_bytes(images, durations=durations)

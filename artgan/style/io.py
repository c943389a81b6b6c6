"""Images in and out of style transfer: files of any mode, GAN samples, size checks, colour.

A content or style argument is an image file or ``run:PATH[:SEED|:grid]``: one image generated
by the trained artgan run at PATH (noise seed SEED, default 0), or a grid of its samples; PATH
may be ``hf:user/name``, a run published to the Hugging Face Hub.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from artgan.errors import ArtganError

MIN_SIZE = 32  # below this VGG's deep layers see a pixel or two and the style has nowhere to go
MAX_SIZE = 4096
# Rough peak memory per output pixel of one Gatys step (VGG-19 activations up to conv5_1, kept
# for the backward pass, plus their gradients), measured on CPU fp32 at 256-512 px.
BYTES_PER_PIXEL = {"full": 6_000, "fast": 1_500}


def open_image(spec: str) -> Image.Image:
    """An RGB PIL image from a file (any mode: grayscale, palette, RGBA, 16-bit) or ``run:...``."""
    if spec.startswith("run:"):
        return generated_image(spec[len("run:"):])
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ArtganError(f"image {spec!r} not found (give an image file, or run:PATH for a GAN sample)")
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            return flatten_to_rgb(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ArtganError(f"cannot read {path} as an image: {error}") from None


def flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB; transparency is composited on white, 16-bit and float images are rescaled to 8 bit."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        span = array.max() - array.min()
        array = (array - array.min()) / (span if span > 0 else 1) * 255
        image = Image.fromarray(array.round().astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def parse_run_spec(spec: str) -> tuple[str, int, bool]:
    """``PATH[:SEED|:grid]`` -> (path, seed, grid)."""
    path, _, tail = spec.rpartition(":")
    if path and tail == "grid":
        return path, 0, True
    if path and tail.isdigit():
        return path, int(tail), False
    return spec, 0, False


def generated_image(spec: str, grid_count: int = 16) -> Image.Image:
    from artgan.generation import load_generator
    from artgan.visual.grid import make_grid

    from artgan.hub.resolve import resolve_run

    path, seed, grid = parse_run_spec(spec)
    path = resolve_run(path)  # run:hf:user/name[:SEED] samples a run published to the Hub
    if not Path(path).is_dir():
        raise ArtganError(f"run:{spec}: {path!r} is not a run directory (train one with `artgan train --out DIR`)")
    images = load_generator(path).sample(grid_count if grid else 1, seed)
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    return make_grid(images, padding=0) if grid else Image.fromarray(images[0].permute(1, 2, 0).numpy())


def check_size(size: int, mode: str = "full", device: torch.device | None = None) -> None:
    """Refuse sizes that cannot work or would exhaust memory, before allocating anything."""
    if size < MIN_SIZE:
        raise ArtganError(f"--size {size} is too small: style transfer needs at least {MIN_SIZE} px")
    if size > MAX_SIZE:
        raise ArtganError(f"--size {size} is absurd: at most {MAX_SIZE} px (use --size 512 and upscale)")
    need = size * size * BYTES_PER_PIXEL[mode]
    have = device_memory(device or torch.device("cpu"))
    if have and need > 0.7 * have:
        raise ArtganError(f"--size {size} would need about {need / 2**30:.1f} GiB in {mode} mode, but this machine "
                          f"has {have / 2**30:.1f} GiB; use a smaller --size (e.g. {fitting_size(have, mode)})")


def device_memory(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0  # unknown: only the hard limits apply


def fitting_size(memory: int, mode: str) -> int:
    side = int((0.7 * memory / BYTES_PER_PIXEL[mode]) ** 0.5)
    return max(MIN_SIZE, side // 64 * 64)


def image_to_tensor(image: Image.Image, long_side: int) -> torch.Tensor:
    """(1, 3, H, W) float in [0, 1], resized so the longer side is ``long_side``; both sides a
    multiple of 8 so that the AdaIN decoder's three upsamplings give back the same size."""
    scale = long_side / max(image.size)
    width, height = (max(8, round(side * scale / 8) * 8) for side in image.size)
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    return torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255).permute(2, 0, 1)[None].contiguous()


def tensor_to_image(images: torch.Tensor) -> Image.Image:
    array = images[0].detach().float().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array)


def preserve_color(stylized: Image.Image, content: Image.Image) -> Image.Image:
    """Keep the content's colours, take only the luminance from the stylized image
    (Gatys et al. 2017, "Controlling perceptual factors", luminance-only transfer)."""
    luma = stylized.convert("YCbCr").getchannel("Y")
    _, cb, cr = content.resize(stylized.size, Image.Resampling.LANCZOS).convert("YCbCr").split()
    return Image.merge("YCbCr", (luma, cb, cr)).convert("RGB")


def save_png(image: Image.Image, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ArtganError(f"--out {path}: style transfer writes PNG files; give a name ending in .png")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path

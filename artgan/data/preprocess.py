"""Turn any decoded image into the square uint8 array the models train on.

As in the reports: resize the short side to the target size, centre-crop (or, with ``--fit pad``,
resize the long side and pad to a square, keeping the whole picture), convert to grayscale or RGB.
Every PIL mode is handled: 16/32-bit grayscale is rescaled to 8 bits, palette and alpha images are
composited on white (transparent art on black would teach the model black borders).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from artgan.errors import ArtganError

VALID_SIZES = (16, 32, 64, 128, 256)


def check_size(size: int) -> int:
    if size not in VALID_SIZES:
        raise ArtganError(
            f"image size {size} is not supported; use a power of two from 16 to 256: "
            f"{', '.join(map(str, VALID_SIZES))}"
        )
    return size


def to_mode(image: Image.Image, channels: int) -> Image.Image:
    """Convert to 'L' (channels=1) or 'RGB' (channels=3) from any PIL mode."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = _rescale_to_8bit(image)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("L" if channels == 1 else "RGB")


def _rescale_to_8bit(image: Image.Image) -> Image.Image:
    """Map a 16-bit or float image's own range onto 0..255 (PIL's convert('L') clips instead)."""
    array = np.asarray(image, dtype=np.float64)
    low, high = float(array.min()), float(array.max())
    scale = 255.0 / (high - low) if high > low else 0.0
    return Image.fromarray(((array - low) * scale).astype(np.uint8), mode="L")


def resize_and_crop(image: Image.Image, size: int) -> Image.Image:
    """Resize the short side to ``size`` (Lanczos when shrinking), then centre-crop a square."""
    width, height = image.size
    scale = size / min(width, height)
    new_size = (max(size, round(width * scale)), max(size, round(height * scale)))
    resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
    image = image.resize(new_size, resample)
    left = (new_size[0] - size) // 2
    top = (new_size[1] - size) // 2
    return image.crop((left, top, left + size, top + size))


def resize_and_pad(image: Image.Image, size: int, colour: str = "border") -> Image.Image:
    """Resize the long side to ``size``, then centre the whole image on a square of ``colour``:
    ``border`` (the median colour of its outermost pixels, white for transparent art) or ``white``."""
    width, height = image.size
    scale = size / max(width, height)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
    image = image.resize(new_size, resample)
    fill = border_colour(image) if colour == "border" else (255,) * len(image.getbands())
    canvas = Image.new(image.mode, (size, size), fill if len(fill) > 1 else fill[0])
    canvas.paste(image, ((size - new_size[0]) // 2, (size - new_size[1]) // 2))
    return canvas


def border_colour(image: Image.Image) -> tuple[int, ...]:
    """The per-channel median of an image's outermost rows and columns: the colour it fades out to."""
    array = np.asarray(image)
    array = array[..., None] if array.ndim == 2 else array
    edges = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    return tuple(int(v) for v in np.median(edges, axis=0))


def fit_square(image: Image.Image, size: int, fit: str = "crop") -> Image.Image:
    """``crop``: the centre square (fills the frame, may cut a tall portrait in half); ``pad``,
    ``pad-white``: the whole image on a square of its border colour or of white."""
    if fit == "crop":
        return resize_and_crop(image, size)
    return resize_and_pad(image, size, "white" if fit == "pad-white" else "border")


def prepare_image(image: Image.Image | np.ndarray, size: int, channels: int, fit: str = "crop") -> np.ndarray:
    """Any image -> uint8 array (channels, size, size)."""
    if isinstance(image, np.ndarray):
        image = array_to_image(image)
    image = fit_square(to_mode(image, channels), size, fit)
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def array_to_image(array: np.ndarray) -> Image.Image:
    """A numpy image (HxW or HxWxC, uint8 or float in [0, 1] or any range) as a PIL image."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.dtype != np.uint8:
        array = array.astype(np.float64)
        low, high = array.min(), array.max()
        if low >= 0 and high <= 1:
            array = array * 255.0
        elif high > 255 or low < 0:
            array = (array - low) * (255.0 / max(high - low, 1e-12))
        array = np.clip(np.round(array), 0, 255).astype(np.uint8)
    return Image.fromarray(array)


def guess_channels(image: Image.Image | np.ndarray) -> int:
    """1 for grayscale sources, 3 for anything with colour."""
    if isinstance(image, np.ndarray):
        return 1 if image.ndim == 2 or image.shape[-1] == 1 else 3
    return 1 if image.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F") else 3

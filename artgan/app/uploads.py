"""Turning an uploaded file into an RGB image, or into a message the page can show.

Uploads are decoded in memory and never written to disk. The checks run cheapest first: byte
size, then the header (format and pixel count, before any pixel is decoded, so a decompression
bomb is refused without allocating it), then the full decode (truncated or corrupt files).
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from artgan.data.preprocess import to_mode
from artgan.errors import ArtganError

MAX_BYTES = 20 * 1024 * 1024
SERVER_UPLOAD_LIMIT_BYTES = 5 * MAX_BYTES  # what Streamlit accepts; read_upload then says what is too big
MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000: larger photos gain nothing at style-transfer sizes
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")


class UploadError(ArtganError):
    """An upload the app cannot use; the message says why and what to upload instead."""


def read_upload(data: bytes, name: str = "upload", max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The uploaded bytes as a decoded RGB image, or ``UploadError`` with a message for the user."""
    if not data:
        raise UploadError(f"{name!r} is empty; upload a PNG, JPEG, WebP, BMP, GIF or TIFF image")
    if len(data) > max_bytes:
        raise UploadError(f"{name!r} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB. "
                          "Upload a smaller or more compressed image")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise UploadError(f"{name!r} is not an image artgan can read; upload a PNG, JPEG, WebP, BMP, GIF or TIFF file") from None
    except Image.DecompressionBombError:
        raise UploadError(f"{name!r} declares too many pixels to open safely; upload an image under "
                          f"{max_pixels / 1e6:.0f} megapixels") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # a known format whose header is broken
        raise UploadError(f"{name!r} is damaged: its header cannot be read ({error}); upload it again or "
                          "export it afresh") from None
    width, height = image.size
    if width * height > max_pixels:
        raise UploadError(f"{name!r} is {width}x{height} pixels ({width * height / 1e6:.0f} MP); the limit is "
                          f"{max_pixels / 1e6:.0f} MP. Downscale it first")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # PIL's ways of saying "truncated" or "corrupt"
        raise UploadError(f"{name!r} looks like a {image.format} file but is damaged ({error}); upload it again "
                          "or export it afresh") from None
    return to_mode(image, 3)


"""Uploads: every image mode decodes to RGB; wrong types, huge and corrupt files get a clear message."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from artgan.app.uploads import UploadError, read_upload
from artgan.errors import ArtganError


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("mode, fmt", [("RGB", "JPEG"), ("RGB", "WEBP"), ("L", "PNG"), ("RGBA", "PNG"),
                                       ("P", "GIF"), ("I;16", "PNG"), ("RGB", "BMP"), ("RGB", "TIFF")])
def test_every_format_and_mode_becomes_rgb(mode, fmt):
    array = np.random.default_rng(0).integers(0, 255, (12, 20, 3), dtype=np.uint8)
    image = Image.fromarray(array).convert(mode) if mode != "I;16" else Image.fromarray(array[..., 0].astype(np.uint16) * 256)
    decoded = read_upload(encode(image, fmt), f"photo.{fmt.lower()}")
    assert decoded.mode == "RGB" and decoded.size == (20, 12)


def test_transparent_pixels_are_shown_over_white():
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert read_upload(encode(image)).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize("data, name, message", [
    (b"", "empty.png", "is empty"),
    (b"name,score\nada,3\n", "scores.csv", "is not an image artgan can read"),
    (b"%PDF-1.4 a document", "paper.png", "is not an image artgan can read"),
])
def test_files_that_are_not_images_are_refused_by_name(data, name, message):
    with pytest.raises(UploadError, match=message) as caught:
        read_upload(data, name)
    assert name in str(caught.value) and isinstance(caught.value, ArtganError)


def test_truncated_files_are_refused_as_damaged():
    data = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)))
    with pytest.raises(UploadError, match="looks like a PNG file but is damaged"):
        read_upload(data[: len(data) // 2], "cut.png")


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0 not really a JPEG",  # JPEG magic, then an APP0 segment longer than the file
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # PNG magic, header cut short
])
def test_broken_headers_are_refused_as_damaged(data):
    with pytest.raises(UploadError, match="'photo' is damaged|'photo' looks like a .* but is damaged"):
        read_upload(data, "photo")


def test_files_over_the_byte_limit_are_refused_before_decoding():
    with pytest.raises(UploadError, match="the limit is 1 MB"):
        read_upload(b"\x89PNG" + bytes(2 * 2**20), "big.png", max_bytes=2**20)


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height``: a decompression bomb's calling card."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(9000, 9000), (60000, 60000)])
def test_images_with_too_many_pixels_are_refused_without_decoding(width, height):
    data = png_header_claiming(width, height)
    assert len(data) < 200
    with pytest.raises(UploadError, match="megapixels|MP"):
        read_upload(data, "bomb.png")

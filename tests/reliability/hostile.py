"""A corpus of hostile and broken image files, made on the spot (nothing is downloaded)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noise(size=(24, 18), mode="RGB", seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    array = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(array[..., 0] if channels == 1 else array, mode)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 100_000) -> bytes:
    """A 100 KB-ish PNG header that claims side x side pixels: decoding it would need 10 GB."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side + 1) * 16)  # a few rows of zeros; the rest is missing
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def animated(fmt: str) -> bytes:
    frames = [noise(seed=i).convert("P") if fmt == "GIF" else noise(seed=i) for i in range(3)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=50, loop=0)


def usable_files() -> dict[str, bytes]:
    """Odd but valid images: each must be used, not skipped."""
    sixteen_bit = Image.fromarray(np.linspace(0, 65535, 24 * 18, dtype=np.uint16).reshape(18, 24))
    palette_alpha = noise().convert("P")
    palette_alpha.info["transparency"] = 0
    return {
        "cmyk.jpg": encode(noise().convert("CMYK"), "JPEG"),
        "gray16.png": encode(sixteen_bit, "PNG"),
        "palette.png": encode(noise().convert("P"), "PNG"),
        "palette_alpha.png": encode(palette_alpha, "PNG", transparency=0),
        "rgba.png": encode(noise(mode="RGBA"), "PNG"),
        "la.png": encode(noise(mode="L").convert("LA"), "PNG"),
        "bilevel.bmp": encode(noise().convert("1"), "BMP"),
        "one_pixel.png": encode(Image.new("RGB", (1, 1), (200, 30, 30)), "PNG"),
        "one_by_many.png": encode(noise(size=(1, 300)), "PNG"),
        "animated.gif": animated("GIF"),
        "animated.png": animated("PNG"),
        "animated.webp": animated("WEBP"),
        "float.tif": encode(Image.fromarray(np.linspace(-1, 3, 24 * 18, dtype=np.float32).reshape(18, 24)), "TIFF"),
        "UPPER.JPG": encode(noise(), "JPEG"),
    }


def broken_files() -> dict[str, bytes]:
    """Files no decoder should accept: each must be skipped and counted."""
    jpeg = encode(noise(size=(64, 64)), "JPEG")
    png = encode(noise(size=(64, 64)), "PNG")
    return {
        "truncated.jpg": jpeg[: len(jpeg) // 3],
        "truncated.png": png[: len(png) // 2],
        "zero_bytes.png": b"",
        "text.jpg": b"this is a shopping list, not a picture\n",
        "html.png": b"<!doctype html><title>404 Not Found</title>",
        "bomb.png": png_bomb(),
        "header_only.png": png[:33],
        "wrong_crc.png": png[:40] + bytes([png[40] ^ 0xFF]) + png[41:],
        "random.webp": np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes(),
    }


def write_corpus(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)

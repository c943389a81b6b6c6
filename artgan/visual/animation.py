"""Frames to an animation file: GIF always, MP4 when imageio-ffmpeg (a pip-installed ffmpeg that
never touches torch) is there. In memory, so the app can offer either as a download."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

from PIL import Image

from artgan.atomic import write_bytes_atomic

FPS = 12


def gif_bytes(frames: list[Image.Image], fps: int = FPS, durations: list[int] | None = None) -> bytes:
    """A looping GIF at ``fps``, or with each frame's own duration in ms (``durations``). An adaptive
    palette per frame keeps colours right: GIF allows 256 per frame."""
    palette = [frame.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT) for frame in frames]
    buffer = io.BytesIO()
    palette[0].save(buffer, format="GIF", save_all=True, append_images=palette[1:],
                    duration=durations or int(1000 / fps), loop=0)
    return buffer.getvalue()


def mp4_available() -> bool:
    return importlib.util.find_spec("imageio_ffmpeg") is not None


def mp4_bytes(frames: list[Image.Image], fps: int = FPS) -> bytes:
    """H.264 in yuv420p (what browsers and phones play); sides are padded to multiples of 16."""
    import os
    import tempfile

    import imageio_ffmpeg
    import numpy as np

    width, height = frames[0].size
    width16, height16 = -(-width // 16) * 16, -(-height // 16) * 16
    descriptor, name = tempfile.mkstemp(suffix=".mp4")
    os.close(descriptor)
    try:
        writer = imageio_ffmpeg.write_frames(name, (width16, height16), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                             macro_block_size=1, ffmpeg_log_level="error", quality=8)
        writer.send(None)
        for frame in frames:
            canvas = Image.new("RGB", (width16, height16), "white")
            canvas.paste(frame.convert("RGB"))
            writer.send(np.ascontiguousarray(np.asarray(canvas)))
        writer.close()
        return Path(name).read_bytes()
    finally:
        os.unlink(name)


def save_gif(frames: list[Image.Image], path: str | Path, fps: int = FPS) -> Path:
    path = Path(path)
    write_bytes_atomic(path, gif_bytes(frames, fps))
    return path

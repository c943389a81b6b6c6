"""Interpolation downloads: a looping GIF always, an H.264 MP4 when imageio-ffmpeg is installed."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from artgan.visual.animation import gif_bytes, mp4_available, mp4_bytes


def frames(n: int = 6) -> list[Image.Image]:
    return [Image.new("RGB", (40, 30), (40 * i, 255 - 40 * i, 90)) for i in range(n)]


def test_gif_has_every_frame_and_loops():
    gif = Image.open(io.BytesIO(gif_bytes(frames())))
    assert gif.n_frames == 6 and gif.info.get("loop") == 0


@pytest.mark.skipif(not mp4_available(), reason="needs imageio-ffmpeg (pip install -e '.[app]')")
def test_mp4_is_an_h264_file_ffmpeg_can_read_back(tmp_path):
    import imageio_ffmpeg

    data = mp4_bytes(frames())
    assert data[4:8] == b"ftyp"
    (tmp_path / "walk.mp4").write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "walk.mp4"))
    meta = next(reader)
    assert meta["size"] == (48, 32) and meta["codec"].startswith("h264")  # padded to multiples of 16
    assert sum(1 for _ in reader) == 6

"""Decoding on worker processes: the pool ends cleanly whether its caller reads every image or not."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool

from PIL import Image

from artgan.data.decode import decoded
from artgan.data.sources import RawItem


def grey_square():
    return Image.new("RGB", (20, 20), (128, 128, 128))


def items(n: int) -> list[RawItem]:
    return [RawItem(grey_square, None, f"square {i}") for i in range(n)]


def count_terminations(monkeypatch) -> list[int]:
    calls = []
    terminate = multiprocessing.pool.Pool.terminate

    def counted(pool):
        calls.append(1)
        terminate(pool)
    monkeypatch.setattr(multiprocessing.pool.Pool, "terminate", counted)
    return calls


def test_a_pool_whose_images_are_all_read_closes_without_killing_its_workers(monkeypatch):
    terminations = count_terminations(monkeypatch)
    results = list(decoded(items(70), size=16, channels=3, fit="crop", workers=2))
    assert len(results) == 70 and all(image.shape == (3, 16, 16) for _, image in results)
    assert terminations == [] and multiprocessing.active_children() == []


def test_a_caller_that_stops_early_ends_the_pool_and_its_workers(monkeypatch):
    terminations = count_terminations(monkeypatch)
    stream = decoded(items(70), size=16, channels=3, fit="crop", workers=2)
    next(stream)
    stream.close()
    assert terminations == [1] and multiprocessing.active_children() == []

"""Runs trained for real (tiny, once per session) and a way to read what a page showed."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artgan.app.runs import RUNS_ENV
from artgan.cli import main

TIMEOUT = 60  # seconds; the first run of a page imports torch and loads the generator
TINY = ["--size", "16", "--g-width", "8", "--d-width", "8", "--latent-dim", "16", "--batch", "16",
        "--sample-every", "2", "--checkpoint-every", "2", "--log-every", "1", "--precision", "fp32", "--quiet"]


def train_run(out: Path, *options: str) -> Path:
    assert main(["train", *TINY, "--cache-dir", str(out.parent / ".cache"), "--out", str(out), *options]) == 0
    return out


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory) -> Path:
    """A runs folder holding one finished unconditional run, `digits` (4 steps on sklearn:digits)."""
    root = tmp_path_factory.mktemp("runs")
    train_run(root / "digits", "--data", "sklearn:digits", "--steps", "4")
    return root


@pytest.fixture
def app_runs(runs_root, monkeypatch) -> Path:
    """The app pointed at ``runs_root``, as `artgan app --runs` does."""
    monkeypatch.setenv(RUNS_ENV, str(runs_root))
    return runs_root


@pytest.fixture
def media(monkeypatch):
    """``read(url)``: the bytes behind an image or download URL of an AppTest run.

    AppTest keeps media in a storage object it builds per run and drops; recording those objects
    lets a test check the pixels a page showed, not only that an image element exists."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    stores = []

    class RecordingStorage(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", RecordingStorage)

    def read(url: str) -> bytes:
        name = url.rsplit("/", 1)[-1]
        for store in reversed(stores):
            if name.split(".")[0] in store._files_by_id:
                return store.get_file(name).content
        raise KeyError(f"no media {url}")

    return read


@pytest.fixture(scope="session")
def conditional_root(tmp_path_factory) -> Path:
    """A runs folder with one conditional run, `digits-cdcgan`."""
    root = tmp_path_factory.mktemp("conditional")
    train_run(root / "digits-cdcgan", "--data", "sklearn:digits", "--model", "cdcgan", "--steps", "2")
    return root


def page(name: str):
    """An AppTest of one page (``artgan.app.views.<name>``), as main.py's navigation would run it."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_string(f"from artgan.app.views import {name}\n{name}.render()", default_timeout=TIMEOUT)


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def shown_image(at, media, index: int = 0) -> np.ndarray:
    """The pixels of the page's ``index``-th image, as the browser would receive them."""
    return pixels(media(at.get("image")[index].proto.imgs[0].url))


def download(at, media, key: str) -> bytes:
    """The bytes a download button would save."""
    [button] = [b for b in at.get("download_button") if b.key == key]
    return media(button.proto.url)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to one grey level (float paths through slerp may round a pixel the other way)."""
    return a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).max() <= 1

"""Shared fixtures: tiny image folders and tiny, fast training configs made in the test."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# Keep every test's caches inside its temp dirs and never touch the network.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def write_image(path: Path, size=(40, 30), mode="RGB", seed=0, fmt=None) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    array = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    Image.fromarray(array[..., 0] if channels == 1 else array, mode).save(path, format=fmt)
    return path


@pytest.fixture
def labelled_folder(tmp_path) -> Path:
    """Two classes of small random images, 6 each."""
    root = tmp_path / "art"
    for label in ("landscape", "portrait"):
        for i in range(6):
            write_image(root / label / f"{i}.png", seed=hash((label, i)) % 1000)
    return root


def tiny_overrides(tmp_path: Path, **train) -> dict:
    """A config that trains in about a second: digits at 16 px, narrow networks."""
    return {
        "data": {"source": "sklearn:digits", "size": 16, "cache_dir": str(tmp_path / "cache")},
        "model": {"g_width": 8, "d_width": 8, "latent_dim": 16},
        "train": {"steps": 6, "batch": 16, "sample_every": 3, "checkpoint_every": 3, "log_every": 2,
                  "grid_size": 16, "precision": "fp32", "calibrate": False, **train},
    }

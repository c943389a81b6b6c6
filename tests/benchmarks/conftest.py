"""The benchmarks' shared judge: sklearn digits at 16 px, a short feature network."""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from judge import make_judge  # noqa: E402

from artgan.config import DataConfig  # noqa: E402
from artgan.data import load_images  # noqa: E402


@pytest.fixture(scope="session")
def digits_judge(tmp_path_factory):
    torch.set_num_threads(1)
    cache = str(tmp_path_factory.mktemp("cache"))
    data = load_images(DataConfig(source="sklearn:digits", size=16, cache_dir=cache), progress=False)
    return make_judge("digits", data, 0.3, 150, 0, cache, tmp_path_factory.mktemp("judges")), cache

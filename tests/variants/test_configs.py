"""The report configs and every variant run from the command line, offline on builtin:art."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch

from artgan.cli import main
from artgan.config import read_config_file
from artgan.runs.run_dir import RunDir
from artgan.variants import VARIANTS

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))
TINY = ["--data", "builtin:art", "--size", "16", "--limit", "48", "--batch", "16", "--steps", "2", "--g-width", "8",
        "--d-width", "8", "--latent-dim", "16", "--grid-size", "8", "--precision", "fp32", "--quiet"]


def losses_are_finite(run: Path) -> bool:
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    return bool(rows) and all(math.isfinite(float(r[k])) for r in rows for k in ("loss_d", "loss_g"))


def test_configs_exist_for_every_report():
    names = {p.stem for p in CONFIGS}
    assert {"report1-wgan-digits", "report1-wgan-mnist", "report1-wgan-fashion-mnist", "report1-wgan-faces",
            "report2-cdcgan-wikiart-genres", "report2-acgan-wikiart-genres", "report3-can-wikiart-styles",
            "report5-dcgan-wikiart-27-styles"} <= names


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_report_config_runs_offline_on_builtin_art(tmp_path, config):
    torch.set_num_threads(1)
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--classes", "", "--out", str(out), *TINY]) == 0
    assert losses_are_finite(out)
    saved, asked = RunDir(out).read_config(), read_config_file(config)
    assert saved.model.name == asked["model"]["name"]
    for key, value in asked.get("train", {}).items():  # the file's settings reached the run
        if key not in ("steps", "epochs", "batch"):
            assert getattr(saved.train, key) == value, key


IN_CONFIGS = {read_config_file(p)["model"]["name"] for p in CONFIGS}


@pytest.mark.parametrize("name", sorted(set(VARIANTS) - IN_CONFIGS))
def test_variants_without_a_config_train_from_the_cli(tmp_path, name):
    torch.set_num_threads(1)
    out = tmp_path / name
    assert main(["train", "--model", name, "--out", str(out), *TINY]) == 0
    assert losses_are_finite(out)
    defaults = VARIANTS[name].defaults.get("train", {})
    saved = RunDir(out).read_config()
    assert all(getattr(saved.train, k) == v for k, v in defaults.items())  # the variant's own defaults applied

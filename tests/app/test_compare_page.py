"""The Compare page (AppTest): each run's grid for one seed, overlaid curves, and the metrics table
read from each run's own evaluation, with its floors and ceiling."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from artgan.app.runs import RUNS_ENV
from artgan.app.views.compare import overlaid
from artgan.runs.best import BestRecord, best_path, write_best
from artgan.runs.checkpoint import checkpoint_path
from artgan.runs.metrics_log import read_metrics
from artgan.runs.run_dir import RunDir
from artgan.generation import load_generator
from artgan.visual.grid import make_grid, upscale
from tests.app.conftest import page, shown_image, train_run


@pytest.fixture(scope="module")
def two_runs(runs_root, tmp_path_factory):
    """The session's `digits` run beside a second one with another seed; `digits` carries an evaluation."""
    root = tmp_path_factory.mktemp("compare")
    shutil.copytree(runs_root / "digits", root / "digits")
    train_run(root / "digits-seed1", "--data", "sklearn:digits", "--steps", "4", "--seed", "1")
    second = RunDir(root / "digits-seed1")  # keeps a best checkpoint: its step 2, as if KID had been lowest there
    shutil.copy(checkpoint_path(second.checkpoints, 2), best_path(second))
    write_best(second, BestRecord("kid_domain", 0.01, 2))
    rows = {"model": {"fid": 90.0, "kid": 0.08, "precision": 0.4, "recall": 0.3},
            "floor: average image": {"fid": 300.0, "kid": 0.5, "precision": 0.0, "recall": 0.0},
            "floor: noise": {"fid": 400.0, "kid": 0.7, "precision": 0.0, "recall": 0.0},
            "ceiling: real held-out": {"fid": 2.0, "kid": 0.001, "precision": 0.8, "recall": 0.8}}
    (root / "digits" / "evaluation").mkdir()
    (root / "digits" / "evaluation" / "metrics.json").write_text(json.dumps({"step": 4, "features": "domain", "rows": rows}))
    return root


def test_compare_shows_each_runs_grid_for_the_same_seed(two_runs, monkeypatch, media):
    monkeypatch.setenv(RUNS_ENV, str(two_runs))
    at = page("compare").run()
    assert not at.exception
    at.number_input(key="compare_seed").set_value(3).run()
    names = at.multiselect(key="compare_runs").value
    assert sorted(names) == ["digits", "digits-seed1"]
    for index, name in enumerate(names):
        expected = make_grid(load_generator(two_runs / name).sample(16, 3))
        assert np.array_equal(shown_image(at, media, index), np.asarray(upscale(expected, 320)))
    assert not np.array_equal(shown_image(at, media, 0), shown_image(at, media, 1))


def test_compare_samples_and_marks_the_best_checkpoint(two_runs, monkeypatch, media):
    monkeypatch.setenv(RUNS_ENV, str(two_runs))
    at = page("compare").run()
    names = at.multiselect(key="compare_runs").value
    captions = [image.proto.imgs[0].caption for image in at.get("image")]
    assert captions[names.index("digits-seed1")] == "digits-seed1 · best checkpoint: step 2, KID 0.0100"
    assert captions[names.index("digits")] == "digits · step 4"
    best = make_grid(load_generator(two_runs / "digits-seed1", checkpoint=2).sample(16, 0))
    assert np.array_equal(shown_image(at, media, names.index("digits-seed1")), np.asarray(upscale(best, 320)))


def test_compare_overlays_curves_and_tables_the_evaluations_with_floor_and_ceiling(two_runs, monkeypatch):
    monkeypatch.setenv(RUNS_ENV, str(two_runs))
    at = page("compare").run()
    assert len(at.get("vega_lite_chart")) == 1  # one chart, every run's curve on it
    curves = overlaid({name: read_metrics(two_runs / name) for name in ("digits", "digits-seed1")}, "loss_g")
    assert list(curves.columns) == ["digits", "digits-seed1"] and curves.notna().all().all()
    assert not curves["digits"].equals(curves["digits-seed1"])
    [table] = at.table
    frame = table.value
    assert list(frame["row"]) == ["model", "floor (average image)", "floor (noise)", "ceiling (real)"]
    assert list(frame["FID"]) == [90.0, 300.0, 400.0, 2.0] and set(frame["run"]) == {"digits"}
    assert "Not evaluated yet: digits-seed1" in " ".join(c.value for c in at.caption)


def test_compare_with_one_run_says_what_to_do(app_runs):
    at = page("compare").run()
    assert "two trained runs" in at.info[0].value


def test_evaluations_in_two_feature_spaces_are_flagged(two_runs, monkeypatch):
    monkeypatch.setenv(RUNS_ENV, str(two_runs))
    other = two_runs / "digits-seed1" / "evaluation"
    other.mkdir()
    metrics = json.loads((two_runs / "digits" / "evaluation" / "metrics.json").read_text())
    (other / "metrics.json").write_text(json.dumps({**metrics, "feature_space": "domain (classes, 128-d) #0123456789ab"}))
    try:
        at = page("compare").run()
        assert "different feature spaces" in at.warning[0].value
    finally:
        shutil.rmtree(other)

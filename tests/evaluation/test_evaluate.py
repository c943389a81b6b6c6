"""`artgan evaluate` on a real tiny run: the model sits between its floors and its ceiling."""

import json

import pytest

from artgan.cli import main
from artgan.evaluation.evaluate import CEILING, FLOOR_AVERAGE, FLOOR_NOISE, MODEL, evaluate, format_table


@pytest.fixture(scope="module")
def result(digits_run, digits_setup):
    return evaluate(digits_run, n=200, setup=digits_setup)


def test_evaluate_writes_every_row_and_metric(result, digits_run):
    assert set(result["rows"]) == {MODEL, FLOOR_AVERAGE, FLOOR_NOISE, CEILING}
    for row in result["rows"].values():
        assert {"fid", "kid", "kid_std", "precision", "recall", "is", "is_std"} <= set(row)
    assert result["n"] == 200 and result["step"] == 300
    assert json.loads((digits_run / "evaluation" / "metrics.json").read_text())["rows"] == result["rows"]


def test_the_model_sits_between_the_floors_and_the_ceiling(result):
    rows = result["rows"]
    for floor in (FLOOR_AVERAGE, FLOOR_NOISE):
        assert rows[CEILING]["fid"] < rows[MODEL]["fid"] < rows[floor]["fid"]
        assert rows[CEILING]["kid"] < rows[MODEL]["kid"] < rows[floor]["kid"]
        assert rows[floor]["is"] < rows[MODEL]["is"] < rows[CEILING]["is"]
    assert rows[FLOOR_AVERAGE]["is"] == pytest.approx(1.0)  # one image, one prediction
    assert rows[FLOOR_AVERAGE]["recall"] == 0.0  # n copies of one image cover nothing
    assert rows[CEILING]["precision"] > 0.7 and rows[CEILING]["recall"] > 0.7
    assert rows[MODEL]["recall"] > rows[FLOOR_NOISE]["recall"]


def test_table_lists_every_row(result):
    table = format_table(result)
    assert all(name in table for name in result["rows"]) and "FID" in table.splitlines()[0]


def test_cli_evaluate_prints_the_table_and_reuses_the_cached_classifier(digits_run, digits_setup, capsys):
    assert main(["evaluate", str(digits_run), "--n", "50", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "ceiling: real held-out" in out and "metrics.json" in out
    assert json.loads((digits_run / "evaluation" / "metrics.json").read_text())["n"] == 50


def test_cli_evaluate_errors(digits_run, tmp_path, capsys):
    assert main(["evaluate", str(digits_run), "--n", "5"]) == 2
    assert "--n must be at least 10" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["evaluate", str(digits_run), "--classifier", str(tmp_path / "none.safetensors")]) == 2
    assert "artgan classify train" in capsys.readouterr().err


def test_another_data_source_gets_its_own_cached_classifier(digits_run, digits_setup, tmp_path):
    import torch

    from artgan.data import ImageSet
    from artgan.evaluation.evaluate import domain_classifier_for
    from artgan.evaluation.split import split_real

    images = torch.randint(0, 256, (40, 1, 16, 16), dtype=torch.uint8)
    other = ImageSet(images, torch.arange(40) % 4, ["a", "b", "c", "d"], source="folder/other")
    classifier = domain_classifier_for(digits_run, *split_real(other), steps=5, progress=False)
    assert classifier.info.num_classes == 4  # not the run's 10-digit classifier
    assert (digits_run / "evaluation" / "classifier-folder-other.safetensors").is_file()
    assert (digits_run / "evaluation" / "classifier.safetensors").is_file()


def test_a_full_disk_while_writing_metrics_keeps_the_previous_scores(result, digits_run, digits_setup, monkeypatch):
    import errno
    import os

    from artgan.atomic import DiskFullError

    metrics = digits_run / "evaluation" / "metrics.json"
    before = metrics.read_bytes()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(DiskFullError):
        evaluate(digits_run, n=50, setup=digits_setup)
    assert metrics.read_bytes() == before and not list(metrics.parent.glob(".*.tmp"))


def test_domain_features_measure_against_real_images_their_classifier_did_not_learn(result, digits_setup):
    split = digits_setup.split
    assert len(split.reference) + len(split.held_out) == len(split.unseen)  # the two quarters it never learnt
    assert result["reference_images"] == len(split.reference) < len(split.learnt)
    assert len(split.known) == len(split.learnt) + len(split.reference)  # copies of either half are found
    assert digits_setup.classifier.info.held_out_accuracy > 0.9

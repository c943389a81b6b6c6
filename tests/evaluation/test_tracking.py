"""--eval-every: FID in domain features logged during training, on the curves, and reused by evaluate."""

import shutil

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from artgan.config import build_config
from artgan.evaluation.domain_classifier import load_classifier
from artgan.training import train
from artgan.runs.metrics_log import read_metrics
from tests.conftest import tiny_overrides


def test_eval_every_logs_fid_that_falls_as_the_generator_learns(tmp_path, digits_setup, digits_run):
    # The tracker reuses a classifier already in the run (as a resumed run does): copy the session's one.
    (tmp_path / "run" / "evaluation").mkdir(parents=True)
    shutil.copy(digits_run / "evaluation" / "classifier.safetensors", tmp_path / "run" / "evaluation")
    overrides = tiny_overrides(tmp_path, steps=120, batch=32, eval_every=40, eval_n=100, lr_g=5e-4, lr_d=5e-4,
                               sample_every=120, checkpoint_every=120, log_every=20)
    overrides["model"].update({"g_width": 16, "d_width": 16})
    run = train(build_config(overrides), out=tmp_path / "run", progress=False)
    steps, values = read_metrics(run.path)["fid_domain"]
    assert steps == [40, 80, 120]
    assert all(v > 0 for v in values) and values[-1] < values[0]  # quality improves with training
    assert load_classifier(run.path / "evaluation" / "classifier.safetensors").info.num_classes == 10
    assert len(read_metrics(run.path)["loss_d"][0]) == 6  # the losses are still logged every 20 steps
    board = EventAccumulator(str(run.path / "tensorboard"))  # the quality curve in TensorBoard too
    board.Reload()
    assert [(s.step, round(s.value, 3)) for s in board.Scalars("fid_domain")] == [(s, round(v, 3)) for s, v in zip(steps, values)]


def test_eval_every_is_off_by_default(tmp_path):
    run = train(build_config(tiny_overrides(tmp_path)), out=tmp_path / "run", progress=False)
    assert "fid_domain" not in read_metrics(run.path) and not (run.path / "evaluation").exists()

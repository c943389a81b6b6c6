"""The Judge page (AppTest): what the Evaluate button starts, the feature space it offers, and the
discriminator's ranking drawn before any evaluation. tests/app/test_browser.py runs a real
evaluation from the page and reads its figures, report and nearest training images."""

from __future__ import annotations

import shutil

import numpy as np

from artgan.app.runs import RUNS_ENV
from artgan.app.views import judge
from tests.app.conftest import download, page, pixels, shown_image


def test_the_discriminators_ranking_needs_no_evaluation(app_runs, media):
    at = page("judge").run()
    assert not at.exception and "Evaluate at step 4" in at.button(key="judge_evaluate").label
    ranking = shown_image(at, media)
    figure = pixels(download(at, media, "judge_ranking_download"))
    assert max(ranking.shape[:2]) >= 640 and figure.ndim == 3 and np.ptp(figure) > 0


def test_the_evaluate_button_starts_one_evaluation_with_the_chosen_size(app_runs, monkeypatch):
    started = []
    monkeypatch.setattr(judge, "start_evaluation", lambda run, n, *options: started.append((run, n, options)))
    at = page("judge").run()
    at.select_slider(key="judge_n").set_value(250)
    at.button(key="judge_evaluate").click().run()
    assert started == [(app_runs / "digits", 250, ("--classifier-steps", "400"))]


def test_a_run_not_evaluated_yet_is_offered_the_classifier_of_a_run_on_the_same_data(runs_root, tmp_path, monkeypatch):
    root = tmp_path / "runs"
    for name in ("digits", "digits-again"):
        shutil.copytree(runs_root / "digits", root / name)
    (root / "digits" / "evaluation").mkdir()
    (root / "digits" / "evaluation" / "classifier.safetensors").write_bytes(b"the classifier of digits")
    monkeypatch.setenv(RUNS_ENV, str(root))
    started = []
    monkeypatch.setattr(judge, "start_evaluation", lambda run, n, *options: started.append((run, options)))
    at = page("judge").run()
    at.selectbox(key="judge_run").set_value("digits-again").run()
    assert at.selectbox(key="judge_space").value == "the one of run digits"  # one scale for Compare by default
    at.button(key="judge_evaluate").click().run()
    assert started == [(root / "digits-again", ())]  # evaluate finds it in the run's own evaluation folder
    assert (root / "digits-again" / "evaluation" / "classifier.safetensors").read_bytes() == b"the classifier of digits"

"""The Judge page: `artgan evaluate` started from the page in the background, then its metrics with
floors and ceiling, the memorisation figure, the report and the discriminator's ranking."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from artgan.app.jobs import EVALUATE_LOG, log_tail, running_pid, start_evaluation
from artgan.app.runs import RUNS_ENV
from artgan.app.views import judge
from tests.app.conftest import download, page, pixels, shown_image


@pytest.mark.slow
def test_an_evaluation_started_from_the_page_runs_detached_and_its_results_show(runs_root, tmp_path, monkeypatch, media):
    root = tmp_path / "runs"
    shutil.copytree(runs_root / "digits", root / "digits")
    monkeypatch.setenv(RUNS_ENV, str(root))
    run = root / "digits"
    at = page("judge").run()
    assert not at.exception and "Evaluate at step 4" in at.button(key="judge_evaluate").label
    ranking = shown_image(at, media)  # D's ranking needs no evaluation
    figure = pixels(download(at, media, "judge_ranking_download"))
    assert max(ranking.shape[:2]) >= 640 and figure.ndim == 3 and np.ptp(figure) > 0

    start_evaluation(run, 10, "--classifier-steps", "10")  # what the button does, small enough for a test
    deadline = time.time() + 300
    while running_pid(run / "evaluation", "evaluate", run) is not None:
        if time.time() > deadline:
            pytest.fail("evaluation did not finish:\n" + log_tail(run / "evaluation", 30, EVALUATE_LOG))
        time.sleep(1)
    assert (run / "evaluation" / "metrics.json").is_file(), log_tail(run / "evaluation", 30, EVALUATE_LOG)
    at = page("judge").run()
    assert not at.exception
    [table] = at.dataframe
    assert list(table.value["row"]) == ["model", "floor: average image", "floor: noise", "ceiling: real held-out"]
    assert table.value["FID"].notna().all()
    assert "Nearest training images" in [h.value for h in at.subheader]
    assert download(at, media, "judge_report").startswith(b"<!doctype html>")
    assert "Evaluate again at step 4" in at.button(key="judge_evaluate").label


def test_the_evaluate_button_starts_one_evaluation_with_the_chosen_size(app_runs, monkeypatch):
    started = []
    monkeypatch.setattr(judge, "start_evaluation", lambda run, n, *options: started.append((run, n, options)))
    at = page("judge").run()
    at.select_slider(key="judge_n").set_value(250)
    at.button(key="judge_evaluate").click().run()
    assert started == [(app_runs / "digits", 250, ("--classifier-steps", "400"))]

"""The Train page (AppTest): data choices confined to the data root, checked like `artgan train`
checks them, and the request it starts; the Runs page's Stop and Resume buttons."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from artgan.app import jobs
from artgan.app.datasets import DATA_ENV
from artgan.app.views import monitor, train
from tests.app.conftest import page
from tests.conftest import write_image


@pytest.fixture
def started(monkeypatch):
    calls = []
    monkeypatch.setattr(train, "start_training", lambda request, out: calls.append((request, out)) or 1)
    return calls


def test_starting_digits_asks_for_the_chosen_preset_size_and_steps(app_runs, started):
    at = page("train").run()
    assert not at.exception
    at.radio(key="train_kind").set_value("Handwritten digits (sklearn:digits)").run()
    assert "1,797 images in 10 classes" in " ".join(c.value for c in at.caption)
    at.selectbox(key="train_preset").set_value("wgan-gp")
    at.select_slider(key="train_size").set_value(16)
    at.radio(key="train_budget").set_value("a number of steps").run()
    at.number_input(key="train_steps").set_value(200)
    at.text_input(key="train_name").set_value("my-digits").run()
    at.button(key="train_start").click().run()
    [(request, out)] = started
    assert (request.data, request.model, request.size, request.steps) == ("sklearn:digits", "wgan-gp", 16, 200)
    assert request.minutes == 0 and "--time" not in request.arguments()
    assert out == app_runs / "my-digits"
    assert "Training **my-digits**" in at.success[0].value


def test_a_time_budget_trains_for_that_many_minutes(app_runs, started):
    at = page("train").run()
    at.radio(key="train_kind").set_value("Handwritten digits (sklearn:digits)").run()
    at.number_input(key="train_minutes").set_value(2.5)
    at.text_input(key="train_name").set_value("timed").run()
    at.button(key="train_start").click().run()
    [(request, _)] = started
    assert request.minutes == 2.5 and request.arguments()[-2:] == ["--time", "2.5m"]


def test_an_existing_run_name_is_refused_on_the_page(app_runs, started):
    at = page("train").run()
    at.radio(key="train_kind").set_value("Handwritten digits (sklearn:digits)").run()
    at.text_input(key="train_name").set_value("digits").run()
    at.button(key="train_start").click().run()
    assert not started and "already exists" in at.error[0].value


def test_the_folder_picker_offers_folders_under_the_data_root_only(app_runs, started, tmp_path, monkeypatch):
    root = tmp_path / "collections"
    for i in range(3):
        write_image(root / "animals" / "cats" / f"{i}.png", seed=i)
        write_image(root / "animals" / "dogs" / f"{i}.png", seed=10 + i)
    write_image(tmp_path / "private" / "secret.png")
    (root / "escape").symlink_to(tmp_path / "private", target_is_directory=True)
    monkeypatch.setenv(DATA_ENV, str(root))
    at = page("train").run()
    at.radio(key="train_kind").set_value("A folder on this machine").run()
    picker = at.selectbox(key="train_folder")
    assert picker.options == ["animals", "animals/cats", "animals/dogs"]
    picker.set_value(0).run()
    assert "6 images in 2 classes (cats, dogs)" in " ".join(c.value for c in at.caption)
    at.text_input(key="train_name").set_value("pets").run()
    at.button(key="train_start").click().run()
    assert started[0][0].data == str((root / "animals").resolve())


def test_without_a_data_root_the_folder_choice_says_how_to_get_one(app_runs, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    at = page("train").run()
    at.radio(key="train_kind").set_value("A folder on this machine").run()
    assert "--data-root" in at.info[0].value and at.button(key="train_start").disabled


def test_runs_page_offers_resume_for_a_stopped_run_and_stop_for_a_running_one(app_runs, tmp_path, monkeypatch):
    stopped = app_runs / "stopped"
    shutil.copytree(app_runs / "digits", stopped)
    (stopped / "samples.png").unlink()
    for path in stopped.rglob("*"):
        os.utime(path, (time.time() - 600, time.time() - 600))  # quiet for ten minutes: stopped
    resumed, stops = [], []
    monkeypatch.setattr(monitor, "resume_training", resumed.append)
    try:
        at = page("monitor")
        at.session_state["run"] = "stopped"
        at.run()
        assert "stopped" in [m.value for m in at.metric]
        at.button(key="monitor_resume").click().run()
        assert resumed == [stopped]
        monkeypatch.setattr(monitor, "running_pid", lambda path: 4242)
        monkeypatch.setattr(monitor, "stop_training", stops.append)
        at.run()
        at.button(key="monitor_stop").click().run()
        assert stops == [stopped]
    finally:
        shutil.rmtree(stopped)

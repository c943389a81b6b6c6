"""The Generate and Runs pages driven headlessly with Streamlit's AppTest against runs trained in the test."""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

import artgan.app
from artgan.app.runs import RUNS_ENV
from artgan.generation import load_generator
from artgan.visual.grid import make_grid, upscale
from tests.app.conftest import TIMEOUT, download, page, pixels, shown_image


def test_main_script_opens_on_the_generate_page(app_runs):
    at = AppTest.from_file(os.path.join(os.path.dirname(artgan.app.__file__), "main.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Generate" and len(at.get("image")) == 1


def test_generate_lists_runs_with_variant_data_size_and_step(app_runs):
    at = page("generate").run()
    assert not at.exception
    [label] = at.selectbox(key="generate_run").options
    assert label.startswith("digits") and "dcgan on sklearn:digits" in label and "16px" in label and "step 4" in label


def test_generate_shows_the_runs_samples_and_offers_them_as_png_downloads(app_runs, media):
    at = page("generate").run()
    expected = load_generator(app_runs / "digits").sample(16, seed=0)
    grid = make_grid(expected)
    assert np.array_equal(shown_image(at, media), np.asarray(upscale(grid, 384)))
    assert np.array_equal(pixels(download(at, media, "download_grid")), np.asarray(grid))
    with zipfile.ZipFile(io.BytesIO(download(at, media, "download_images"))) as archive:
        names = archive.namelist()
        assert len(names) == 16 and all(name.endswith(".png") for name in names)
        first = pixels(archive.read(names[0]))
    assert np.array_equal(first, expected[0, 0].numpy())  # one grayscale 16x16 image, the first sample


def test_generate_seed_and_count_choose_the_images(app_runs, media):
    at = page("generate").run()
    seed0 = shown_image(at, media)
    at.number_input(key="generate_seed").set_value(7).run()
    seed7 = shown_image(at, media)
    assert seed7.shape == seed0.shape and not np.array_equal(seed7, seed0)
    at.slider(key="generate_n").set_value(4).run()
    with zipfile.ZipFile(io.BytesIO(download(at, media, "download_images"))) as archive:
        assert len(archive.namelist()) == 4
    expected = make_grid(load_generator(app_runs / "digits").sample(4, seed=7))
    assert np.array_equal(pixels(download(at, media, "download_grid")), np.asarray(expected))


def test_pages_explain_how_to_get_a_run_when_the_folder_has_none(tmp_path, monkeypatch):
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "empty"))
    for name in ("generate", "monitor"):
        at = page(name).run()
        assert not at.exception
        assert "artgan train" in at.info[0].value and not at.get("image")


def test_a_run_this_install_cannot_load_gets_a_message_not_a_traceback(runs_root, tmp_path, monkeypatch):
    odd = tmp_path / "runs" / "odd"
    shutil.copytree(runs_root / "digits", odd)
    config = odd / "config.yaml"
    config.write_text(config.read_text().replace("name: dcgan", "name: stylegan9"))
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    for name in ("generate", "explore"):
        at = page(name).run()
        assert not at.exception and "Cannot load run 'odd': unknown model 'stylegan9'" in at.error[0].value


def test_runs_page_shows_a_finished_runs_samples_timelapse_and_curves(app_runs, media):
    at = page("monitor").run()
    assert not at.exception
    table = at.dataframe[0].value
    row = table[table["run"] == "digits"].iloc[0]
    assert (row["variant"], row["data"], row["step"], row["state"]) == ("dcgan", "sklearn:digits", 4, "finished")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["State"] == "finished" and metrics["Step"] == "4 / 4"
    assert at.toggle(key="monitor_refresh").value is False  # nothing to refresh for
    latest, timelapse = (media(image.proto.imgs[0].url) for image in at.get("image"))
    final_grid = Image.open(app_runs / "digits" / "samples" / "step_00000004.png")
    assert np.array_equal(pixels(latest), np.asarray(upscale(final_grid, 384)))
    gif = Image.open(io.BytesIO(timelapse))
    assert gif.format == "GIF" and gif.n_frames == 2  # grids at steps 2 and 4
    assert gif.size == upscale(final_grid, 384).size  # enlarged like the latest grid
    assert len(at.get("vega_lite_chart")) == 3  # losses, D outputs, E[sign D(x)] (with ADA's p when on)
    assert [c.value for c in at.caption][-3:] == ["Losses", "Discriminator output: D(x) and D(G(z))",
                                                  "Adaptive augmentation: p (--augment ada) and E[sign D(x)]"]


def test_runs_page_follows_a_run_in_progress(app_runs, tmp_path, monkeypatch, media):
    live = tmp_path / "runs" / "live"
    shutil.copytree(app_runs / "digits", live)
    (live / "samples.png").unlink()  # the trainer writes it last: without it the run is not finished
    (live / "metrics.csv").touch()
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    at = page("monitor").run()
    assert {m.label: m.value for m in at.metric}["State"] == "training"
    assert at.toggle(key="monitor_refresh").value is True

    # The trainer moves on: a new sample grid and checkpoint appear; the next refresh shows them.
    Image.new("L", (40, 40), 255).save(live / "samples" / "step_00000006.png")
    shutil.copy(live / "checkpoints" / "step_00000004.safetensors", live / "checkpoints" / "step_00000006.safetensors")
    at.run()
    assert {m.label: m.value for m in at.metric}["Step"] == "6 / 4"
    assert pixels(media(at.get("image")[0].proto.imgs[0].url)).min() == 255  # the new, white grid

    stale = time.time() - 3600
    for path in live.rglob("*"):
        os.utime(path, (stale, stale))
    at = page("monitor").run()
    assert {m.label: m.value for m in at.metric}["State"] == "stopped"


def test_using_every_page_writes_no_file(app_runs, tmp_path, media):
    """The app only reads its runs folder, and keeps uploads and results in the session."""
    def snapshot():
        return {path: path.stat().st_mtime_ns for root in (app_runs, tmp_path) for path in root.rglob("*")}

    before = snapshot()
    for name in ("generate", "explore", "stylise", "monitor"):
        at = page(name).run()
        assert not at.exception, name
    at = page("generate").run()
    download(at, media, "download_images")
    assert snapshot() == before

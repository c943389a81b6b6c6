"""The Generate and Runs pages driven headlessly with Streamlit's AppTest against runs trained in the test."""

from __future__ import annotations

import io
import json
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
    assert (row["variant"], row["data"], row["trained to step"], row["checkpoint step"], row["state"]) == \
        ("dcgan", "sklearn:digits", 4, 4, "finished")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["State"] == "finished" and metrics["Trained to step"] == "4 / 4"
    assert at.toggle(key="monitor_refresh_digits").value is False  # nothing to refresh for
    latest, timelapse = (media(image.proto.imgs[0].url) for image in at.get("image"))
    final_grid = Image.open(app_runs / "digits" / "samples" / "step_00000004.png")
    assert np.array_equal(pixels(latest), np.asarray(upscale(final_grid, 384)))
    gif = Image.open(io.BytesIO(timelapse))
    assert gif.format == "GIF" and gif.n_frames == 2  # grids at steps 2 and 4
    assert gif.size == upscale(final_grid, 384).size  # enlarged like the latest grid
    assert len(at.get("vega_lite_chart")) == 4  # losses, D outputs, E[sign D(x)] (with ADA's p when on), variety
    assert [c.value for c in at.caption][-4:-1] == ["Losses", "Discriminator output: D(x) and D(G(z))",
                                                    "Adaptive augmentation: p (--augment ada) and E[sign D(x)]"]
    assert at.caption[-1].value.startswith("Sample variety")


def test_runs_page_follows_a_run_in_progress(app_runs, tmp_path, monkeypatch, media):
    live = tmp_path / "runs" / "live"
    shutil.copytree(app_runs / "digits", live)
    (live / "samples.png").unlink()  # the trainer writes it last: without it the run is not finished
    (live / "metrics.csv").touch()
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    at = page("monitor").run()
    assert {m.label: m.value for m in at.metric}["State"] == "training"
    assert at.toggle(key="monitor_refresh_live").value is True

    # The trainer moves on: a new sample grid and checkpoint appear; the next refresh shows them.
    Image.new("L", (40, 40), 255).save(live / "samples" / "step_00000006.png")
    shutil.copy(live / "checkpoints" / "step_00000004.safetensors", live / "checkpoints" / "step_00000006.safetensors")
    at.run()
    assert {m.label: m.value for m in at.metric}["Trained to step"] == "6 / 4"
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
    for name in ("generate", "explore", "stylize", "monitor"):
        at = page(name).run()
        assert not at.exception, name
    at = page("generate").run()
    download(at, media, "download_images")
    assert snapshot() == before


def test_one_broken_run_is_listed_with_its_reason_and_hurts_no_other(app_runs, tmp_path, monkeypatch, media):
    root = tmp_path / "runs"
    shutil.copytree(app_runs / "digits", root / "digits")
    shutil.copytree(app_runs / "digits", root / "big")
    info = json.loads((root / "big" / "run.json").read_text())
    (root / "big" / "run.json").write_text(json.dumps({**info, "size": "big"}))
    (root / "digits" / "samples" / "step_00000004.png").write_bytes(b"\x89PNG\r\n\x1a\n torn")  # newest grid damaged
    monkeypatch.setenv(RUNS_ENV, str(root))
    for name in ("generate", "explore", "monitor"):
        at = page(name).run()
        assert not at.exception, name
    assert at.dataframe[0].value["run"].tolist() == ["digits"]
    assert [w.value for w in at.warning] == ["Run 'big' cannot be shown: run.json: size must be a whole number, got 'big'"]
    latest = media(at.get("image")[0].proto.imgs[0].url)
    assert np.array_equal(pixels(latest), np.asarray(upscale(Image.open(root / "digits" / "samples" / "step_00000002.png"), 384)))
    assert "(the newer step_00000004.png cannot be read)" in at.get("image")[0].proto.imgs[0].caption


def test_runs_table_says_how_far_training_got_and_where_the_checkpoint_is(app_runs, tmp_path, monkeypatch):
    live = tmp_path / "runs" / "live"
    shutil.copytree(app_runs / "digits", live)
    with open(live / "metrics.csv", "a") as file:  # the trainer logged step 200; its last checkpoint is step 4
        file.write("200" + ",0.5" * (len((live / "metrics.csv").read_text().splitlines()[0].split(",")) - 1) + "\n")
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    at = page("monitor").run()
    row = at.dataframe[0].value.iloc[0]
    assert (row["trained to step"], row["checkpoint step"]) == (200, 4)
    assert {m.label: m.value for m in at.metric}["Trained to step"] == "200 / 4"


def test_runs_page_and_generate_mark_the_best_checkpoint_they_sample(app_runs, tmp_path, monkeypatch, media):
    from artgan.runs.best import BestRecord, best_path, write_best
    from artgan.runs.checkpoint import checkpoint_path
    from artgan.runs.run_dir import RunDir

    run = RunDir(shutil.copytree(app_runs / "digits", tmp_path / "runs" / "kept"))
    shutil.copy(checkpoint_path(run.checkpoints, 2), best_path(run))
    write_best(run, BestRecord("kid_domain", 0.0123, 2))
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    at = page("monitor").run()
    assert at.dataframe[0].value.iloc[0]["best (KID)"] == "2 (0.0123)"
    assert any("best checkpoint: step 2, KID 0.0123" in c.value for c in at.caption)
    at = page("generate").run()
    assert at.get("image")[0].proto.imgs[0].caption.startswith("kept · step 2 (best) · seed 0")
    expected = make_grid(load_generator(run.path, checkpoint=2).sample(16, 0))
    assert np.array_equal(shown_image(at, media), np.asarray(upscale(expected, 384)))


def test_generate_truncation_slider_draws_the_truncated_samples(app_runs, media):
    at = page("generate").run()
    at.slider(key="generate_truncation").set_value(0.5).run()
    expected = make_grid(load_generator(app_runs / "digits").sample(16, 0, None, 0.5))
    assert np.array_equal(pixels(download(at, media, "download_grid")), np.asarray(expected))
    untruncated = make_grid(load_generator(app_runs / "digits").sample(16, 0))
    assert not np.array_equal(np.asarray(expected), np.asarray(untruncated))


def test_favourites_from_two_seeds_download_as_one_zip(app_runs, media):
    at = page("generate").run()
    at.multiselect(key="generate_pick").set_value([0, 3]).run()
    at.button(key="generate_favourite").click().run()
    at.number_input(key="generate_seed").set_value(5).run()
    at.multiselect(key="generate_pick").set_value([1]).run()
    at.button(key="generate_favourite").click().run()
    with zipfile.ZipFile(io.BytesIO(download(at, media, "download_favourites"))) as archive:
        names = archive.namelist()
        last = pixels(archive.read(names[-1]))
    assert len(names) == 3
    assert np.array_equal(last, load_generator(app_runs / "digits").sample(16, seed=5)[1, 0].numpy())

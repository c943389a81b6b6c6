"""`artgan stylize` end to end on scikit-image's photos (random VGG weights: real weights cannot
be downloaded in CI), with a GAN's samples as style, and the errors a user meets."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from artgan.cli import main


@pytest.fixture
def photo_files(tmp_path, photos):
    paths = {}
    for name, image in photos.items():
        paths[name] = tmp_path / f"{name}.png"
        image.save(paths[name])
    return paths


def test_stylize_full_mode_writes_the_png_and_reports_falling_losses(photo_files, tmp_path, capsys):
    out = tmp_path / "out" / "chelsea-coffee.png"
    code = main(["stylize", str(photo_files["chelsea"]), str(photo_files["coffee"]), "-o", str(out), "--size", "32",
                 "--steps", "4", "--vgg-weights", "random", "--quiet"])
    assert code == 0
    assert Image.open(out).size == (32, 24)  # chelsea's 3:2, sides multiples of 8
    code = main(["stylize", str(photo_files["chelsea"]), str(photo_files["coffee"]), "-o", str(out), "--size", "32",
                 "--steps", "4", "--vgg-weights", "random", "--preserve-color", "--tv-weight", "0"])
    printed = capsys.readouterr().out
    before, after = map(float, re.search(r"style ([\d.e+-]+) -> ([\d.e+-]+)", printed).groups())
    assert code == 0 and after < before and "wrote" in printed


@pytest.mark.slow
def test_gan_samples_as_style(photo_files, tmp_path):
    run_dir = tmp_path / "run"
    tiny = ["--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8", "--latent-dim", "16",
            "--batch", "16", "--steps", "2", "--precision", "fp32", "--quiet"]
    assert main(["train", *tiny, "--out", str(run_dir)]) == 0
    out = tmp_path / "painted.png"
    assert main(["stylize", str(photo_files["astronaut"]), f"run:{run_dir}:grid", "-o", str(out), "--size", "32",
                 "--steps", "2", "--vgg-weights", "random", "--quiet"]) == 0
    assert np.asarray(Image.open(out)).shape == (32, 32, 3)


def test_missing_weights_tell_the_user_what_to_download(photo_files, capsys):
    code = main(["stylize", str(photo_files["astronaut"]), str(photo_files["coffee"]), "--size", "32", "--quiet"])
    error = capsys.readouterr().err
    assert code == 2
    assert "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth" in error and "--vgg-weights" in error


@pytest.mark.parametrize("flags, message", [
    (["--size", "100000"], "absurd"),
    (["--size", "8"], "too small"),
    (["-o", "out.jpg"], "PNG"),
    (["--fast"], "train-decoder"),
    (["--strength", "2", "--fast"], "--strength"),
    (["--style-blend", "1,x"], "--style-blend"),
])
def test_user_errors_are_one_clear_line(photo_files, capsys, flags, message):
    code = main(["stylize", str(photo_files["astronaut"]), str(photo_files["coffee"]), "--vgg-weights", "random",
                 "--steps", "1", "--size", "32", "--quiet", *flags])
    assert code == 2 and message in capsys.readouterr().err


def test_the_british_spelling_is_an_alias_of_stylize():
    from artgan.cli import build_parser

    british, american = (build_parser().parse_args([name, "a.png", "b.png", "-o", "c.png"]) for name in ("stylise", "stylize"))
    assert british.run is american.run
    assert {**vars(british), "command": "stylize"} == vars(american)

"""The HTML report and `artgan show`: every section and picture exists, with the right shape and content."""

import base64
import io
import re
import shutil
import subprocess

import numpy as np
import pytest
import torch
from PIL import Image

from artgan.cli import main
from artgan.evaluation.evaluate import evaluate
from artgan.evaluation.figures import interpolation_gif
from artgan.evaluation.report import write_report
from artgan.generation import load_generator


@pytest.fixture(scope="module")
def report(digits_run, digits_setup):
    result = evaluate(digits_run, n=100, setup=digits_setup)
    return write_report(digits_run, digits_setup, result)


def test_report_is_self_contained_with_every_section(report):
    page = report.read_text()
    for heading in ("Metrics", "Samples and the average-image baseline", "Training", "Latent interpolation",
                    "Ranked by the discriminator", "Memorisation check"):
        assert f"<h2>{heading}</h2>" in page
    for row in ("model", "floor: average image", "floor: noise", "ceiling: real held-out"):
        assert f"<td>{row}</td>" in page
    sources = re.findall(r'src="([^"]+)"', page)
    assert len(sources) >= 9 and all(s.startswith("data:image/") for s in sources)  # nothing to fetch
    for source in sources:  # every inlined picture decodes
        with Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))) as picture:
            assert picture.width > 20 and picture.height > 20


@pytest.mark.slow
def test_report_renders_in_headless_chromium(report, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium here")
    shot = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,3000",
                    f"--screenshot={shot}", report.as_uri()], check=True, capture_output=True, timeout=120)
    with Image.open(shot) as picture:
        colours = picture.convert("L").resize((60, 150)).getcolors(10000)
    assert len(colours) > 50  # text, tables and images, not a blank or error page


def test_interpolation_gif_goes_there_and_back(digits_run, tmp_path):
    path = interpolation_gif(load_generator(digits_run), tmp_path / "walk.gif", walks=3, frames=6)
    with Image.open(path) as gif:
        assert gif.n_frames == 6 + 4  # 0..5 then 4..1
        assert gif.width > gif.height  # three walks side by side


@pytest.mark.parametrize("what, size", [("interpolate", (4, 8)), ("ranking", None), ("curves", None), ("average", None)])
def test_show_writes_each_analysis(digits_run, tmp_path, capsys, what, size):
    out = tmp_path / f"{what}.png"
    assert main(["show", str(digits_run), what, "--out", str(out), "--n", "32", "--k", "4"]) == 0
    assert str(out) in capsys.readouterr().out
    with Image.open(out) as picture:
        if size:  # 4 walks of 8 enlarged 16 px tiles (64 px) with 2 px padding
            assert picture.size == (2 + 8 * 66, 2 + 4 * 66)
        assert picture.width > 60
    if what == "interpolate":
        assert out.with_suffix(".gif").is_file()
    if what == "ranking":  # a top and a bottom row: 64 px tiles, 4 px padding, 16 px captions, 6 px gap
        assert picture.height == 2 * (4 + 64 + 4 + 16) + 6


def test_show_classes_refuses_an_unconditional_model(digits_run, capsys):
    assert main(["show", str(digits_run), "classes"]) == 2
    assert "conditional model" in capsys.readouterr().err


def test_show_interpolate_between_chosen_seeds_starts_and_ends_on_their_images(digits_run, tmp_path):
    out = tmp_path / "walk.png"
    assert main(["show", str(digits_run), "interpolate", "--seeds", "3,7,11", "--steps", "5", "--out", str(out)]) == 0
    model = load_generator(digits_run)
    from artgan.evaluation.figures import enlarge

    ends = torch.cat([model.sample(1, s) for s in (3, 7, 11)])
    with Image.open(out) as picture:
        grid = torch.from_numpy(np.array(picture))
    assert picture.size == (2 + 5 * 66, 2 + 2 * 66)  # two walks: 3 -> 7 and 7 -> 11
    tile = lambda row, column: grid[2 + row * 66:2 + row * 66 + 64, 2 + column * 66:2 + column * 66 + 64]  # noqa: E731
    for (row, column), image in {(0, 0): ends[0], (0, 4): ends[1], (1, 0): ends[1], (1, 4): ends[2]}.items():
        assert torch.equal(tile(row, column), enlarge(image[None])[0, 0])


def test_show_interpolate_refuses_bad_seeds(digits_run, capsys):
    assert main(["show", str(digits_run), "interpolate", "--seeds", "3"]) == 2
    assert "at least two seeds" in capsys.readouterr().err
    assert main(["show", str(digits_run), "interpolate", "--seeds", "a,b"]) == 2
    assert "takes seeds and ranges separated by commas" in capsys.readouterr().err

"""GAN inversion: projecting an image the generator can draw finds it again; `artgan project`
writes what it promises and `generate --latent` draws the same image from the saved latent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from artgan.cli import main
from artgan.errors import ArtganError
from artgan.evaluation.projection import project, read_latent
from artgan.generation import load_generator
from artgan.visual.grid import to_pil


def test_projecting_a_sample_of_the_model_finds_a_much_closer_image_than_the_best_random_start(digits_run):
    model = load_generator(digits_run)
    own = model.sample(1, seed=12345)[0]  # not among the 256 seeded starts
    projection = project(model, to_pil(own.permute(1, 2, 0).numpy()), steps=80, seed=0)
    assert projection.pixel_rmse < 0.6 * projection.start_rmse
    assert projection.losses[-1] < projection.losses[0]
    assert projection.latent.shape == (model.latent_dim,)


def test_project_cli_writes_the_closest_image_latent_and_interpolation_and_generate_redraws_it(digits_run, tmp_path, capsys):
    from sklearn.datasets import load_digits

    digit = (load_digits().images[5] / 16 * 255).astype(np.uint8)
    Image.fromarray(digit).resize((48, 48), Image.NEAREST).save(tmp_path / "five.png")
    out = tmp_path / "found"
    assert main(["project", str(digits_run), str(tmp_path / "five.png"), "--steps", "40", "--out", str(out)]) == 0
    assert "pixel RMSE" in capsys.readouterr().out
    summary = json.loads((out / "projection.json").read_text())
    assert summary["pixel_rmse"] <= summary["start_pixel_rmse"] and summary["loss_terms"][0] == "pixels"
    gif = Image.open(out / "interpolation.gif")
    assert gif.n_frames > 8 and Image.open(out / "comparison.png").width > 2 * 16
    assert main(["generate", str(digits_run), "--latent", str(out / "latent.npy"), "--out", str(tmp_path / "again")]) == 0
    [again] = sorted((tmp_path / "again").glob("*.png"))
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(out / "projected.png")))


def test_a_latent_of_the_wrong_shape_is_a_clear_error(tmp_path):
    np.save(tmp_path / "z.npy", np.zeros((2, 7), np.float32))
    with pytest.raises(ArtganError, match=r"shape \(2, 7\).*\(N, 16\)"):
        read_latent(tmp_path / "z.npy", 16)
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(ArtganError, match="not a readable .npy"):
        read_latent(tmp_path / "bad.npy", 16)

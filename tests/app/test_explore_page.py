"""The Explore page: interpolation between seeds, every class from the same noise, more like this."""

from __future__ import annotations

import io

import numpy as np
import torch

from artgan.generation import load_generator
from artgan.visual.grid import make_grid, upscale
from artgan.visual.latent import interpolation_images
from tests.app.conftest import close, download, page, shown_image


def single(model, z: torch.Tensor, min_side: int) -> np.ndarray:
    return np.asarray(upscale(make_grid(model(z), padding=0), min_side))


def test_interpolation_runs_from_one_seed_to_the_other(app_runs, media):
    model = load_generator(app_runs / "digits")
    at = page("explore").run()
    assert not at.exception and [tab.label for tab in at.tabs] == ["Interpolation", "Every class, same noise", "More like this"]
    at.number_input(key="walk_from").set_value(3)
    at.number_input(key="walk_to").set_value(9)
    at.slider(key="walk_t").set_value(0.0).run()
    assert close(shown_image(at, media, 0), single(model, model.noise(1, 3), 256))
    at.slider(key="walk_t").set_value(1.0).run()
    assert close(shown_image(at, media, 0), single(model, model.noise(1, 9), 256))
    strip = shown_image(at, media, 1)
    walk = interpolation_images(model, steps=8, seeds=[3, 9])  # what `artgan show interpolate --seeds 3,9` draws
    assert np.array_equal(strip, np.asarray(upscale(make_grid(walk, columns=8), 128)))

    at.slider(key="walk_t").set_value(0.5).run()
    spherical = shown_image(at, media, 0)
    at.toggle(key="walk_slerp").set_value(False).run()
    assert not np.array_equal(spherical, shown_image(at, media, 0))  # lerp and slerp differ half way


def test_class_grid_explains_that_an_unconditional_model_has_no_classes(app_runs):
    at = page("explore").run()
    assert any("unconditional" in info.value for info in at.info)


def test_more_like_this_starts_from_the_chosen_image(app_runs, media):
    model = load_generator(app_runs / "digits")
    at = page("explore").run()
    at.number_input(key="similar_seed").set_value(5)
    at.number_input(key="similar_index").set_value(6)
    at.slider(key="similar_count").set_value(8).run()
    choices, similar = shown_image(at, media, 2), shown_image(at, media, 3)
    assert close(choices, np.asarray(upscale(make_grid(model.sample(16, seed=5)), 256)))
    chosen = model.noise(16, 5)[6:7]
    first_tile = np.asarray(make_grid(model(chosen), padding=0))
    grid = np.asarray(make_grid(torch.zeros(9, 1, 16, 16, dtype=torch.uint8)))  # 3x3 tiles: the chosen one + 8
    scale = similar.shape[0] // grid.shape[0]
    assert similar.shape[:2] == (grid.shape[0] * scale, grid.shape[1] * scale)
    top_left = similar[2 * scale:18 * scale:scale, 2 * scale:18 * scale:scale]
    assert close(top_left, first_tile)

    at.slider(key="similar_strength").set_value(1.0).run()
    assert not np.array_equal(similar, shown_image(at, media, 3))



def test_the_walk_downloads_as_a_gif_there_and_back(app_runs, media):
    from PIL import Image

    at = page("explore").run()
    at.toggle(key="walk_animate").set_value(True).run()
    gif = Image.open(io.BytesIO(download(at, media, "walk_gif")))
    assert gif.format == "GIF" and gif.n_frames >= 24 and min(gif.size) >= 256  # GIF merges repeated frames
    first = np.asarray(gif.convert("L"))
    gif.seek(gif.n_frames - 1)
    assert np.array_equal(first, np.asarray(gif.convert("L")))  # back where it started

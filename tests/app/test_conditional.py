"""Conditional runs in the app: the class picker on Generate and the class grid on Explore."""

from __future__ import annotations

import numpy as np

from artgan.app.common import MIXED
from artgan.app.runs import RUNS_ENV
from artgan.generation import load_generator
from artgan.visual.grid import make_grid, upscale
from artgan.visual.latent import class_grid_images
from tests.app.conftest import close, page, shown_image


def test_generate_draws_the_chosen_class(conditional_root, monkeypatch, media):
    monkeypatch.setenv(RUNS_ENV, str(conditional_root))
    model = load_generator(conditional_root / "digits-cdcgan")
    at = page("generate").run()
    assert not at.exception
    picker = at.selectbox(key="generate_class")
    assert picker.options == [MIXED, *model.class_names]
    mixed = shown_image(at, media)
    assert close(mixed, np.asarray(upscale(make_grid(model.sample(16, seed=0)), 384)))
    picker.set_value("7").run()
    sevens = shown_image(at, media)
    assert close(sevens, np.asarray(upscale(make_grid(model.sample(16, seed=0, class_name="7")), 384)))
    assert not np.array_equal(mixed, sevens)
    assert "7" in at.get("image")[0].proto.imgs[0].caption


def test_class_grid_of_a_conditional_run(conditional_root, monkeypatch, media):
    monkeypatch.setenv(RUNS_ENV, str(conditional_root))
    model = load_generator(conditional_root / "digits-cdcgan")
    at = page("explore").run()
    assert not at.exception
    at.slider(key="classes_per_class").set_value(4).run()
    grids = [image for image in at.get("image") if "rows, top to bottom" in image.proto.imgs[0].caption]
    assert len(grids) == 1 and grids[0].proto.imgs[0].caption.endswith(", ".join(model.class_names))
    expected = np.asarray(upscale(make_grid(class_grid_images(model, per_class=4, seed=0), columns=4), 384))
    index = [image.proto.imgs[0].caption for image in at.get("image")].index(grids[0].proto.imgs[0].caption)
    assert close(shown_image(at, media, index), expected)

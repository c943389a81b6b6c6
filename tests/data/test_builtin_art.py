"""The built-in art set: deterministic, balanced, and its styles really are learnably different."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from artgan.config import DataConfig
from artgan.data import load_images
from artgan.data.builtin_art import STYLES, make_builtin_art, paint


def test_shapes_labels_and_balance():
    images, labels, names = make_builtin_art(size=16, per_class=5)
    assert images.shape == (30, 16, 16, 3) and images.dtype == np.uint8
    assert names == STYLES and len(STYLES) >= 5
    assert np.bincount(labels).tolist() == [5] * len(STYLES)


def test_deterministic_and_independent_of_set_size():
    a, _, _ = make_builtin_art(size=16, per_class=3)
    b, _, _ = make_builtin_art(size=16, per_class=6)
    assert np.array_equal(a, b[: len(a)])
    assert not np.array_equal(a, make_builtin_art(size=16, per_class=3, seed=1)[0])
    assert np.array_equal(paint("circles", 4, 32), paint("circles", 4, 32))


def test_images_vary_within_a_style():
    first, second = paint("stripes", 0, 32), paint("stripes", 1, 32)
    assert np.abs(first.astype(int) - second.astype(int)).mean() > 10


def test_styles_are_separable_by_a_linear_classifier():
    # A linear model on the (translation-invariant) Fourier magnitudes of 16 px images tells the
    # styles apart, so a conditional GAN and a CAN style head have a real signal to learn.
    images, labels, _ = make_builtin_art(size=16, per_class=60)
    gray = images.astype(np.float32).mean(axis=-1) / 255
    features = np.log1p(np.abs(np.fft.fft2(gray))).reshape(len(images), -1)
    model = LogisticRegression(max_iter=2000).fit(features[:240], labels[:240])
    assert model.score(features[240:], labels[240:]) > 0.8


def test_loads_through_the_data_pipeline_with_labels():
    data = load_images(DataConfig(source="builtin:art", size=16, limit=60), progress=False)
    assert tuple(data.images.shape) == (60, 3, 16, 16)
    assert data.class_names == STYLES
    assert data.labels.tolist() == [i % len(STYLES) for i in range(60)]

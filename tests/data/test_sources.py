"""Every data source through its real code path; network sources on local stand-ins."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
import torch
from PIL import Image

from artgan.config import DataConfig
from artgan.data import load_images
from artgan.data.sources import HUB_ALIASES
from artgan.errors import ArtganError
from tests.conftest import write_image


def test_class_subfolders_become_sorted_labels(labelled_folder):
    data = load_images(DataConfig(source=str(labelled_folder), size=16))
    assert data.class_names == ["landscape", "portrait"]
    assert data.images.shape == (12, 3, 16, 16) and data.images.dtype == torch.uint8
    assert data.class_counts() == {"landscape": 6, "portrait": 6}


def test_flat_folder_is_unlabelled(tmp_path):
    for i in range(3):
        write_image(tmp_path / "flat" / f"{i}.jpg", seed=i)
    data = load_images(DataConfig(source=str(tmp_path / "flat"), size=32))
    assert len(data) == 3 and data.labels is None and not data.labelled


def test_classes_option_keeps_and_renumbers_named_classes(labelled_folder):
    data = load_images(DataConfig(source=str(labelled_folder), size=16, classes=["portrait"]))
    assert data.class_names == ["portrait"] and len(data) == 6 and set(data.labels.tolist()) == {0}
    with pytest.raises(ArtganError, match="unknown classes"):
        load_images(DataConfig(source=str(labelled_folder), size=16, classes=["cubism"]))


def test_digits_ship_offline_as_grayscale_with_ten_classes():
    data = load_images(DataConfig(source="sklearn:digits", size=16))
    assert data.images.shape == (1797, 1, 16, 16)
    assert data.class_names == [str(d) for d in range(10)]
    # Digit strokes are white on black: the prepared images must use the whole range.
    assert data.images.max() == 255 and data.images.min() == 0


def test_olivetti_reads_scikit_learn_cache(tmp_path, monkeypatch):
    """The real fetch_olivetti_faces code path, on a stand-in of the file it downloads."""
    home = tmp_path / "sk"
    home.mkdir()
    faces = np.random.default_rng(0).random((400, 4096)).astype(np.float32)
    joblib.dump(faces, home / "olivetti_py3.pkz")
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    data = load_images(DataConfig(source="sklearn:olivetti", size=32))
    assert data.images.shape == (400, 1, 32, 32) and data.num_classes == 40


def test_lfw_reads_scikit_learn_folder(tmp_path, monkeypatch):
    """The real fetch_lfw_people code path on a stand-in LFW folder (2 people, 20 photos each)."""
    lfw = tmp_path / "sk" / "lfw_home"
    for name in ("pairsDevTrain.txt", "pairsDevTest.txt", "pairs.txt"):
        (lfw / name).parent.mkdir(parents=True, exist_ok=True)
        (lfw / name).write_text("")
    for person in ("Ada_Lovelace", "Alan_Turing"):
        for i in range(20):
            write_image(lfw / "lfw_funneled" / person / f"{person}_{i:04d}.jpg", size=(250, 250), seed=i)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sk"))
    data = load_images(DataConfig(source="sklearn:lfw", size=32))
    assert data.images.shape == (40, 3, 32, 32)
    assert data.class_names == ["Ada Lovelace", "Alan Turing"]


def test_missing_sklearn_download_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "empty"))
    import sklearn.datasets._olivetti_faces as olivetti

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(olivetti, "_fetch_remote", offline)
    with pytest.raises(ArtganError, match="could not download"):
        load_images(DataConfig(source="sklearn:olivetti", size=32))


@pytest.fixture
def local_hub_dataset(tmp_path):
    """A hub-style parquet data set with an image column and two ClassLabel columns, like WikiArt."""
    datasets = pytest.importorskip("datasets")
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)) for _ in range(8)]
    features = datasets.Features({
        "image": datasets.Image(),
        "style": datasets.ClassLabel(names=["cubism", "fauvism"]),
        "genre": datasets.ClassLabel(names=["portrait", "landscape", "abstract"]),
    })
    table = datasets.Dataset.from_dict(
        {"image": images, "style": [i % 2 for i in range(8)], "genre": [i % 3 for i in range(8)]}, features=features)
    folder = tmp_path / "hub" / "data"
    folder.mkdir(parents=True)
    table.to_parquet(str(folder / "train-00000-of-00001.parquet"))
    return tmp_path / "hub"


def test_hub_dataset_with_label_column(local_hub_dataset):
    data = load_images(DataConfig(source=f"hf:{local_hub_dataset}", size=16, label="style"))
    assert data.images.shape == (8, 3, 16, 16)
    assert data.class_names == ["cubism", "fauvism"] and data.labels.tolist() == [0, 1] * 4
    by_genre = load_images(DataConfig(source=f"hf:{local_hub_dataset}", size=16, label="genre"))
    assert by_genre.class_names == ["portrait", "landscape", "abstract"]


def test_hub_dataset_unknown_column_is_a_clear_error(local_hub_dataset):
    with pytest.raises(ArtganError, match="no column 'artist'"):
        load_images(DataConfig(source=f"hf:{local_hub_dataset}", size=16, label="artist"))


def test_short_names_map_to_hub_datasets(local_hub_dataset, monkeypatch):
    import datasets

    asked = {}
    real_load = datasets.load_dataset

    def fake_load(name, split, streaming):
        asked["name"] = name
        return real_load(str(local_hub_dataset), split=split)

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    data = load_images(DataConfig(source="cifar10", size=16, image_column="image", label="style"))
    assert asked["name"] == HUB_ALIASES["cifar10"][0] == "uoft-cs/cifar10"
    assert len(data) == 8


def test_unknown_source_lists_the_valid_ones():
    with pytest.raises(ArtganError, match="neither a folder nor a known source.*builtin:"):
        load_images(DataConfig(source="no/such/folder", size=16))
    with pytest.raises(ArtganError, match="sklearn:digits"):
        load_images(DataConfig(source="sklearn:iris", size=16))


def test_decoded_images_land_in_one_buffer_that_grows_when_a_source_undercounts():
    from artgan.data import ImageBuffer

    buffer = ImageBuffer(expected=2)
    images = [np.full((3, 4, 4), i, np.uint8) for i in range(5)]  # more than announced
    for image in images:
        buffer.append(image)
    assert len(buffer) == 5 and np.array_equal(buffer.filled(), np.stack(images))

"""hf: sources: the label column found by itself, local copies, imagefolder, and an unreachable hub."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from artgan.cli import main
from artgan.config import DataConfig
from artgan.data import load_images
from artgan.errors import ArtganError
from tests.conftest import write_image

datasets = pytest.importorskip("datasets")


def tiny_dataset(columns: dict) -> "datasets.Dataset":
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)) for _ in range(6)]
    features = {"image": datasets.Image(), **{name: datasets.ClassLabel(names=names) for name, names in columns.items()}}
    values = {name: [i % len(names) for i in range(6)] for name, names in columns.items()}
    return datasets.Dataset.from_dict({"image": images, **values}, features=datasets.Features(features))


def test_the_only_class_label_column_is_the_label_of_a_save_to_disk_folder(tmp_path):
    tiny_dataset({"painter": ["klee", "miro", "arp"]}).save_to_disk(str(tmp_path / "saved"))
    data = load_images(DataConfig(source=f"hf:{tmp_path / 'saved'}", size=16))
    assert data.class_names == ["klee", "miro", "arp"] and data.labels.tolist() == [0, 1, 2, 0, 1, 2]
    unlabelled = load_images(DataConfig(source=f"hf:{tmp_path / 'saved'}", size=16, label=""))
    assert not unlabelled.labelled


def test_several_class_label_columns_train_unlabelled_unless_one_is_named(tmp_path):
    tiny_dataset({"style": ["a", "b"], "genre": ["x", "y", "z"]}).save_to_disk(str(tmp_path / "two"))
    assert not load_images(DataConfig(source=f"hf:{tmp_path / 'two'}", size=16)).labelled
    assert load_images(DataConfig(source=f"hf:{tmp_path / 'two'}", size=16, label="genre")).class_names == ["x", "y", "z"]


def test_a_dataset_dict_folder_gives_the_asked_split(tmp_path):
    datasets.DatasetDict({"train": tiny_dataset({"label": ["a", "b"]}),
                          "test": tiny_dataset({"label": ["a", "b"]}).select(range(2))}).save_to_disk(str(tmp_path / "dd"))
    assert len(load_images(DataConfig(source=f"hf:{tmp_path / 'dd'}", size=16, split="test"))) == 2


def test_imagefolder_reads_its_folder_with_class_sub_folders_as_labels(tmp_path):
    for name in ("cats", "dogs"):
        for i in range(3):
            write_image(tmp_path / "pets" / name / f"{i}.png", seed=i)
    data = load_images(DataConfig(source=f"hf:imagefolder:{tmp_path / 'pets'}", size=16))
    assert len(data) == 6 and data.class_names == ["cats", "dogs"]


def test_imagefolder_without_a_folder_is_refused(tmp_path, capsys):
    write_image(tmp_path / "train" / "stray.png")  # what `datasets` would otherwise pick up from the cwd
    assert main(["data", "hf:imagefolder"]) == 2
    err = capsys.readouterr().err
    assert "hf:imagefolder needs a folder: --data hf:imagefolder:path/to/folder" in err and err.count("\n") == 1
    with pytest.raises(ArtganError, match="is not a folder"):
        load_images(DataConfig(source=f"hf:imagefolder:{tmp_path / 'missing'}", size=16))


def test_an_unreachable_hub_says_what_to_do(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the real `datasets` call, with the network switched off
    assert main(["data", "hf:nobody-here/no-such-set"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("artgan: error: could not load Hugging Face data set 'nobody-here/no-such-set'")
    assert "HF_HUB_OFFLINE is set" in err and "hf:/path/to/copy" in err


def test_without_offline_mode_the_advice_is_to_connect_or_use_the_cache(monkeypatch):
    from artgan.data.sources import _hub_error

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    message = _hub_error("huggan/wikiart", "train", ConnectionError("Couldn't reach 'huggan/wikiart' on the Hub (LocalEntryNotFoundError)"))
    assert "connect to the internet" in message and "HF_HUB_OFFLINE=1" in message and "--data hf:DIR" in message

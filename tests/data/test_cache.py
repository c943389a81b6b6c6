"""The prepared-set cache: memory-mapped reads, and parallel preparation byte-identical to serial."""

from __future__ import annotations

import pytest
import torch

from artgan.config import DataConfig
from artgan.data import load_images
from artgan.training.sampler import BatchSampler
from tests.conftest import write_image
from tests.data.test_sources import local_hub_dataset  # noqa: F401 (a fixture)


def test_a_memory_mapped_set_yields_the_batches_of_the_same_set_in_memory(labelled_folder):
    config = DataConfig(source=str(labelled_folder), size=16)
    in_memory = load_images(config, progress=False, use_cache=False)
    load_images(config, progress=False)  # prepares the cache
    mapped = load_images(config, progress=False)
    assert mapped.mapped and not in_memory.mapped
    samplers = [BatchSampler(data, 5, seed=3, device=torch.device("cpu")) for data in (in_memory, mapped)]
    for _ in range(6):  # 12 images, 5 a batch: crosses three epochs
        (a, a_labels), (b, b_labels) = (s.next() for s in samplers)
        assert torch.equal(a, b) and torch.equal(a_labels, b_labels)
    assert samplers[0].epoch == samplers[1].epoch == 2
    mapped.release_pages()  # the pages leave the resident set, the data does not change
    assert torch.equal(mapped.images, in_memory.images)


def cache_files(root) -> dict[str, bytes]:
    return {path.suffix: path.read_bytes() for path in (root / "datasets").iterdir()}


@pytest.mark.parametrize("kind", ["folder", "hub"])
def test_parallel_preparation_writes_the_serial_cache_byte_for_byte(tmp_path, kind, request):
    if kind == "folder":
        source = tmp_path / "many"
        for i in range(70):  # more than two workers' chunks, so the order of their results matters
            write_image(source / ("a" if i % 3 else "b") / f"{i:03d}.png", size=(20 + i % 7, 18), seed=i)
        (source / "a" / "broken.png").write_bytes(b"not an image")
        source = str(source)
    else:
        source = f"hf:{request.getfixturevalue('local_hub_dataset')}"
    prepared = {}
    for workers in (1, 2):
        config = DataConfig(source=source, size=16, workers=workers, cache_dir=str(tmp_path / f"cache{workers}"),
                            label="style" if kind == "hub" else None)
        prepared[workers] = load_images(config, progress=False)
    serial, parallel = cache_files(tmp_path / "cache1"), cache_files(tmp_path / "cache2")
    assert set(serial) == {".u8", ".json"} and serial == parallel
    assert prepared[2].mapped and torch.equal(prepared[1].images, prepared[2].images)
    if kind == "folder":
        assert len(prepared[2]) == 70 and prepared[2].skipped == 1 and "broken.png" in prepared[2].skipped_examples[0]


def test_workers_writing_in_place_close_the_gaps_of_skipped_files_and_of_a_limit(tmp_path):
    """Workers write each image at its item's slot: a broken first file and a --limit leave gaps to close."""
    source = tmp_path / "flat"
    (source).mkdir()
    (source / "000-broken.png").write_bytes(b"not an image")
    for i in range(1, 90):
        write_image(source / f"{i:03d}.png", size=(18, 18), seed=i)
    (source / "050-broken.png").write_bytes(b"\x89PNG broken")
    for workers in (1, 2):
        config = DataConfig(source=str(source), size=16, workers=workers, limit=60, cache_dir=str(tmp_path / f"c{workers}"))
        assert len(load_images(config, progress=False)) == 60
    assert cache_files(tmp_path / "c1") == cache_files(tmp_path / "c2")


def test_without_positioned_writes_the_parent_writes_the_cache(tmp_path, monkeypatch):
    """Where os.pwrite is missing (Windows), workers hand their images back and the parent writes them."""
    source = tmp_path / "flat"
    for i in range(40):
        write_image(source / f"{i:03d}.png", size=(18, 18), seed=i)
    serial = DataConfig(source=str(source), size=16, workers=1, cache_dir=str(tmp_path / "c1"))
    load_images(serial, progress=False)
    monkeypatch.delattr("os.pwrite")
    config = DataConfig(source=str(source), size=16, workers=2, cache_dir=str(tmp_path / "c2"))
    assert len(load_images(config, progress=False)) == 40
    assert cache_files(tmp_path / "c1") == cache_files(tmp_path / "c2")

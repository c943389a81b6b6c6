"""A user's worst folder: every hostile or broken file is used correctly or skipped and counted,
never a crash, never a hang. The corpus is made in the test (tests/reliability/hostile.py)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from artgan.cli import main
from artgan.config import DataConfig
from artgan.data import load_images
from tests.reliability.hostile import animated, broken_files, encode, noise, usable_files, write_corpus
from tests.reliability.hostile_cases import CASES, MOUNTS, TINY_TRAIN, TRAINED, Case


@contextlib.contextmanager
def must_finish_within(seconds: int):
    """A hang (e.g. open() on a FIFO) becomes a failure instead of a stuck test run."""
    def hung(signum, frame):
        raise AssertionError(f"still running after {seconds} s: something hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load(folder: Path, **options):
    return load_images(DataConfig(source=str(folder), size=16, **options), progress=False, use_cache=False)


def test_odd_but_valid_images_are_all_used(tmp_path):
    write_corpus(tmp_path / "odd", usable_files())
    for channels in (1, 3):
        data = load(tmp_path / "odd", channels=channels)
        assert (len(data), data.skipped) == (len(usable_files()), 0), data.skipped_examples
        assert data.images.shape[1:] == (channels, 16, 16)


def test_broken_files_are_skipped_and_counted_with_reasons(tmp_path):
    write_corpus(tmp_path / "bad", broken_files() | {"good.png": encode(noise(), "PNG")})
    with must_finish_within(60):
        data = load(tmp_path / "bad")
    assert len(data) == 1 and data.skipped == len(broken_files())
    assert any("bomb.png: DecompressionBombError" in example for example in data.skipped_examples)


def test_training_on_a_hostile_folder_works_and_reports_what_it_skipped(tmp_path, capsys):
    for label in ("cats", "dogs"):
        write_corpus(tmp_path / "art" / label, usable_files() | broken_files())
    code = main(["train", "--data", str(tmp_path / "art"), "--size", "16", "--g-width", "8", "--d-width", "8",
                 "--batch", "8", "--steps", "2", "--quiet", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 0, err
    total = 2 * (len(usable_files()) + len(broken_files()))
    assert f"artgan: skipped {2 * len(broken_files())} of {total} files" in err
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["num_images"] == 2 * len(usable_files()) and info["skipped_images"] == 2 * len(broken_files())
    assert info["skipped_examples"]


def test_symlink_loops_fifos_devices_and_dangling_links_neither_hang_nor_crash(tmp_path):
    root = tmp_path / "root"
    for label in ("a", "b"):
        write_corpus(root / label, {f"{i}.png": encode(noise(seed=i), "PNG") for i in range(3)})
    os.symlink(root, root / "a" / "loop_to_root")          # a folder loop
    os.symlink(root / "a", root / "a" / "loop_to_self")
    os.symlink(root / "a" / "self.png", root / "a" / "self.png")  # a file that is a loop
    os.symlink("/nonexistent/picture.png", root / "a" / "dangling.png")
    os.symlink("/dev/zero", root / "b" / "endless.png")      # reads forever if opened naively
    os.mkfifo(root / "b" / "pipe.jpg")                        # open() blocks forever
    with must_finish_within(60):
        data = load(root)
    assert len(data) == 6 and data.skipped == 4 and data.class_names == ["a", "b"]


def test_unreadable_files_are_used_or_skipped_never_fatal(tmp_path):
    folder = tmp_path / "locked"
    write_corpus(folder, {f"{i}.png": encode(noise(seed=i), "PNG") for i in range(3)})
    (folder / "0.png").chmod(0)
    try:
        data = load(folder)
    finally:
        (folder / "0.png").chmod(0o644)
    readable_anyway = os.geteuid() == 0  # root reads it all the same
    assert (len(data), data.skipped) == ((3, 0) if readable_anyway else (2, 1))


@pytest.mark.slow
def test_a_folder_of_100000_tiny_files_loads_in_bounded_time(tmp_path):
    pixel = encode(Image.new("RGB", (1, 1), (9, 90, 200)), "PNG")
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(100_000):
        (folder / f"{i:06d}.png").write_bytes(pixel)
    (folder / "broken.png").write_bytes(pixel[:20])
    with must_finish_within(300):
        data = load(folder)
    assert len(data) == 100_000 and data.skipped == 1
    assert data.images[:, :, 0, 0].unique(dim=0).tolist() == [[9, 90, 200]]


SEEDS = [encode(noise(), fmt) for fmt in ("PNG", "JPEG", "BMP", "TIFF", "WEBP")] + [
    animated("GIF"), encode(noise().convert("P"), "PNG"), encode(noise().convert("CMYK"), "TIFF"),
    encode(noise(), "JPEG", progressive=True)]


def mutate(data: bytes, seed: int, edits: int) -> bytes:
    """Byte flips, truncations and insertions: what disks, downloads and attackers do to files."""
    rng = random.Random(seed)
    data = bytearray(data)
    for _ in range(edits):
        if not data:
            break
        at, kind = rng.randrange(len(data)), rng.random()
        if kind < 0.6:
            data[at] = rng.randrange(256)
        elif kind < 0.8:
            del data[at:]
        else:
            data[at:at] = rng.randbytes(rng.randint(1, 16))
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 2**32), st.integers(1, 8),
       st.sampled_from([".png", ".jpg", ".gif", ".webp", ".tif", ".bmp"]))
@example(5, 5, 2, ".gif")  # found by this test: Pillow's GIF decoder raised IndexError, which crashed loading
def test_fuzzed_files_are_decoded_or_skipped(seed_index, seed, edits, extension):
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "good.png").write_bytes(SEEDS[0])
        Path(folder, f"fuzzed{extension}").write_bytes(mutate(SEEDS[seed_index], seed, edits))
        with contextlib.redirect_stderr(io.StringIO()):  # libtiff prints its complaints in C
            data = load(Path(folder))
    assert len(data) + data.skipped == 2 and len(data) >= 1


# --- the table: every hostile run directory, checkpoint, config file and CLI value tried so far ----
#
# Each case builds its inputs in a fresh folder and gives the command line; the command runs in
# process through artgan.cli.main under a time limit. It must give the exit code the case names,
# say what it promises on stderr (one `artgan: error:` line for a refusal), and change no file
# outside the folder it was told to write (`out`). docs/reliability.md lists the same cases.


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    assert main(["train", "--data", "sklearn:digits", *TINY_TRAIN, "--steps", "2", "--checkpoint-every", "1",
                 "--cache-dir", str(root / "cache"), "--out", str(root / "run")]) == 0
    TRAINED[:] = [root / "run"]
    return root / "run"


def on_stderr(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def snapshot(root: Path) -> dict[Path, tuple]:
    return {path: (path.stat().st_size, path.stat().st_mtime_ns) for path in root.rglob("*")
            if path.is_file() and not path.is_symlink()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case(case: Case, trained_run, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ARTGAN_TRUST_UNVERIFIED_CHECKPOINTS", raising=False)
    root = tmp_path / "case"
    root.mkdir()
    try:
        argv = case.build(root)
        capsys.readouterr()
        outside = {p: v for p, v in snapshot(tmp_path).items() if root / "out" not in p.parents}
        with must_finish_within(60), warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = on_stderr  # as a user sees them, not pytest's record
            code = main(argv)
        err = capsys.readouterr().err
        assert code == case.code, err
        assert case.says in err, err
        errors = [line for line in err.splitlines() if line.startswith("artgan: error:")]
        assert len(errors) == (1 if code == 2 else 0), err
        if code == 2:
            assert err.strip().splitlines()[-1] == errors[0], err  # the error is the last word, on one line
        if case.check:
            assert case.check(root) is not False
        changed = {p for p, v in outside.items() if snapshot(tmp_path).get(p) != v}
        written = {p for p in changed if (root / "run") in p.parents and case.code == 0 and "--out" not in argv}
        assert not changed - written, f"files outside the output changed: {sorted(changed)}"
    finally:
        while MOUNTS:
            subprocess.run(["umount", str(MOUNTS.pop())], check=False)

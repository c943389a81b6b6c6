"""A user's worst folder: every hostile or broken file is used correctly or skipped and counted,
never a crash, never a hang. The corpus is made in the test (tests/reliability/hostile.py)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from artgan.cli import main
from artgan.config import DataConfig
from artgan.data import load_images
from tests.reliability.hostile import animated, broken_files, encode, noise, usable_files, write_corpus


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

TINY_TRAIN = ["--size", "16", "--g-width", "8", "--d-width", "8", "--latent-dim", "16", "--batch", "4", "--steps", "1",
              "--precision", "fp32", "--quiet"]


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[str]]  # makes the inputs under the folder, returns the command line
    code: int
    says: str  # on stderr (an error or a warning), or "" for nothing in particular
    check: Callable[[Path], None] | None = None  # what a success must have produced
    needs: str = ""  # "read-only": needs a read-only mount (root) or permissions (non-root)


def pictures(folder: Path, n: int = 4, names: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names or [f"{i}.png" for i in range(n)]):
        (folder / name).write_bytes(encode(noise(seed=i), "PNG"))
    return folder


def train(data: Path | str, out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(data), *TINY_TRAIN, "--out", str(out), *extra]


def odd_names(root: Path) -> list[str]:
    folder = pictures(root / "data", 3)
    for i, name in enumerate([b"caf\xe9.png", b"new\nline.png", b"-dash.png", "emoji \U0001f3a8.png".encode(),
                              b"x" * 251 + b".png", b" space .PNG", b"back\\slash.png", b"semi;colon$(rm).png"]):
        with open(os.path.join(os.fsencode(folder), name), "wb") as file:
            file.write(encode(noise(seed=10 + i), "PNG"))
    return train(folder, root / "out")


def odd_class_folders(root: Path) -> list[str]:
    pictures(Path(os.fsdecode(os.fsencode(root / "data") + b"/caf\xe9")), 4)
    pictures(root / "data" / "plain", 4)
    return train(root / "data", root / "out", "--model", "cdcgan")


def not_regular_files(root: Path) -> list[str]:
    folder = pictures(root / "data", 4)
    os.mkfifo(folder / "pipe.png")
    (folder / "folder.png").mkdir()
    os.symlink("/dev/zero", folder / "zero.png")
    os.symlink("loop.png", folder / "loop.png")
    os.symlink(root / "data", folder / "back_to_root")
    return train(folder, root / "out")


def config(text: str | bytes, suffix: str = ".yaml", *extra: str) -> Callable[[Path], list[str]]:
    def build(root: Path) -> list[str]:
        path = root / f"c{suffix}"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return ["train", "--config", str(path), "--out", str(root / "out"), *extra]
    return build


def config_special(kind: str) -> Callable[[Path], list[str]]:
    def build(root: Path) -> list[str]:
        path = root / "c.yaml"
        {"fifo": lambda: os.mkfifo(path), "folder": lambda: path.mkdir(),
         "device": lambda: os.symlink("/dev/zero", path), "loop": lambda: os.symlink(path, path)}[kind]()
        return ["train", "--config", str(path), "--out", str(root / "out")]
    return build


def flags(*argv: str) -> Callable[[Path], list[str]]:
    return lambda root: [part.replace("ROOT", str(root)) for part in argv]


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n" for a, b in zip("abcdefgh", "bcdefghi")) + \
    "data: {classes: *i}\n"

DATA_CASES = [
    Case("file names that are not UTF-8, with newlines, dashes, emoji, 255 bytes, shell syntax", odd_names, 0, "",
         lambda root: _num_images(root / "out") == 11),
    Case("class folder named in Latin-1 bytes", odd_class_folders, 0, "",
         lambda root: _info(root / "out")["class_names"] == ["caf\ufffd", "plain"]),
    Case("--data path that is not UTF-8", lambda root: train(pictures(Path(os.fsdecode(os.fsencode(root) + b"/d\xe9ta"))),
                                                               root / "out"), 0, ""),
    Case("FIFO, folder, /dev/zero and symlink loops named *.png", not_regular_files, 0,
         "artgan: skipped 3 of 7 files", lambda root: _num_images(root / "out") == 4),
    Case("--data names a file", lambda root: train(pictures(root / "d") / "0.png", root / "out"), 2, "is a file"),
    Case("--data does not exist", lambda root: train(root / "nowhere", root / "out"), 2, "neither a folder nor a known source"),
    Case("--data is an empty folder", lambda root: train(pictures(root / "d", 0), root / "out"), 2, "no usable image"),
    Case("--data holds only broken files", lambda root: (write_corpus(root / "d", broken_files()),
                                                          train(root / "d", root / "out"))[1], 2, "files could not be read"),
    Case("--classes names a class the data lacks", lambda root: (pictures(root / "d" / "a"), pictures(root / "d" / "b"),
                                                                   train(root / "d", root / "out", "--classes", "c"))[-1],
         2, "unknown classes ['c']; this data set has: a, b"),
]

CONFIG_CASES = [
    Case("classes: [[1, 2], {a: b}]", config("data: {classes: [[1, 2], {a: b}]}\n"), 2,
         "option data.classes must be a list of str, but element 0 is [1, 2]"),
    Case("diffaug_policy: [nonsense, 3]", config("train: {diffaug_policy: [nonsense, 3]}\n"), 2,
         "option train.diffaug_policy must be a list of names among color, translation, cutout, got 'nonsense'"),
    Case("YAML billion laughs (nested aliases)", config(BILLION_LAUGHS), 2, "YAML aliases (*name) are not allowed"),
    Case("5 MB config file", config("# padding\n" * 500_000), 2, "bytes; a config is a few KB"),
    Case("YAML nested 100,000 deep", config("[" * 100_000), 2, "config file"),
    Case("TOML nested 100,000 deep", config("a = " + "[" * 100_000, ".toml"), 2, "config file"),
    Case("config that is a FIFO", config_special("fifo"), 2, "is not a regular file"),
    Case("config that is a folder", config_special("folder"), 2, "is not a regular file"),
    Case("config that links to /dev/zero", config_special("device"), 2, "is not a regular file"),
    Case("config that is a symlink loop", config_special("loop"), 2, "does not exist"),
    Case("config in Latin-1 bytes", config(b"data: {source: caf\xe9}\n"), 2, "is not valid YAML/TOML"),
    Case("config with a python object tag", config("train: !!python/object/apply:os.system [echo hacked]\n"), 2,
         "is not valid YAML/TOML"),
    Case("steps: 1.0e+400 (YAML inf)", config("train: {steps: 1.0e+400}\n"), 2, "option train.steps must be int, got inf"),
    Case("model name that is a list", config("model: {name: [dcgan]}\n"), 2, "model"),
    Case("a top-level list", config("- data\n- train\n"), 2, "must hold sections data/model/train, got list"),
]

CLI_CASES = [
    Case("--latent-dim 10000000000", flags("train", "--latent-dim", "10000000000"), 2, "must be from 1 to 4,096"),
    Case("--grid-size 1000000000", flags("train", "--grid-size", "1000000000"), 2, "must be from 1 to 1,024"),
    Case("--g-width 1000000 (was silently capped at 512)", flags("train", "--g-width", "1000000"), 2,
         "every layer is capped at 512 channels"),
    Case("--d-width 513", flags("train", "--d-width", "513"), 2, "must be from 1 to 512"),
    Case("--batch 99999999", flags("train", "--batch", "99999999"), 2, "must be from 1 to 65,536"),
    Case("--mlp-hidden 10**6", flags("train", "--model", "mlp", "--mlp-hidden", "1000000"), 2, "must be from 1 to 8,192"),
    Case("--n-critic 10**6", flags("train", "--n-critic", "1000000"), 2, "must be from 1 to 100"),
    Case("--replay-size 10**9", flags("train", "--replay-size", "1000000000"), 2, "must be from 1 to 65,536"),
    Case("--steps abc", flags("train", "--steps", "abc"), 2, "artgan train: argument --steps: invalid int value: 'abc'"),
    Case("--stepz 3 (unknown flag)", flags("train", "--stepz", "3"), 2, "unrecognized arguments: --stepz 3"),
    Case("--precision f16", flags("train", "--precision", "f16"), 2, "invalid choice: 'f16'"),
    Case("--lr-d nan", flags("train", "--lr-d", "nan"), 2, "must be a finite number > 0, got nan"),
    Case("--seed 2**64", flags("train", "--seed", str(2**64)), 2, "must be an integer from 0 to 2**63 - 2"),
    Case("--size 100000", flags("train", "--size", "100000"), 2, "image size 100000 is not supported"),
    Case("--diffaug-policy color,blur", flags("train", "--diffaug-policy", "color,blur"), 2, "got 'blur'"),
    Case("--out names a file", lambda root: (root / "f").touch() or ["train", "--out", str(root / "f")], 2,
         "is a file, not a folder"),
    Case("--out under a file", lambda root: (root / "f").touch() or ["train", "--out", str(root / "f" / "run")], 2,
         "is a file, not a folder; give a folder path"),
    Case("--out is a symlink loop", lambda root: os.symlink(root / "o", root / "o") or ["train", "--out", str(root / "o")],
         2, "is a link that leads nowhere (or to itself)"),
    Case("no command", flags(), 2, "the following arguments are required: COMMAND"),
]


def with_run(build: Callable[[Path, Path], list[str]]) -> Callable[[Path], list[str]]:
    """Cases on a copy of the session's trained run (two checkpoints, steps 1 and 2)."""
    def prepare(root: Path) -> list[str]:
        shutil.copytree(TRAINED[0], root / "run")
        return build(root, root / "run")
    return prepare


def checkpoints(run: Path) -> list[Path]:
    return sorted((run / "checkpoints").glob("step_*.safetensors"))


def strip_checksums_and_change_a_weight(path: Path) -> None:
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(path), framework="pt") as file:
        metadata, tensors = file.metadata(), {key: file.get_tensor(key) for key in file.keys()}
    del metadata["sha256"]
    key = next(k for k in tensors if k.startswith("/generator/") and tensors[k].is_floating_point())
    tensors[key] = tensors[key] + 1
    save_file(tensors, str(path), metadata=metadata)


def _replace(path: Path, data: bytes | None = None, kind: str = "") -> None:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        os.symlink("/dev/zero", path)
    else:
        path.write_bytes(data or b"")


def generate(run: Path, root: Path, *extra: str) -> list[str]:
    return ["generate", str(run), "--n", "2", "--quiet", "--out", str(root / "out"), *extra]


RUN_CASES = [
    Case("generate on a missing run", flags("generate", "ROOT/nowhere"), 2, "does not exist"),
    Case("generate on a folder that is not a run", lambda root: pictures(root / "d") and ["generate", str(root / "d")], 2,
         "is not an artgan run directory (no run.json)"),
    Case("run.json is garbage", with_run(lambda root, run: (run / "run.json").write_text("{nope") and generate(run, root)),
         2, "run.json cannot be read (JSONDecodeError"),
    Case("run.json with the wrong types", with_run(lambda root, run: (run / "run.json").write_text('{"channels": "big"}')
                                                   and generate(run, root)), 2, "is not a run's run.json"),
    Case("config.yaml of a run with aliases", with_run(lambda root, run: (run / "config.yaml").write_text(BILLION_LAUGHS)
                                                        and generate(run, root)), 2, "YAML aliases"),
    Case("every checkpoint truncated", with_run(lambda root, run: [p.write_bytes(p.read_bytes()[:100]) for p in checkpoints(run)]
                                                 and generate(run, root)), 2, "every checkpoint in"),
    Case("newest checkpoint zero bytes: falls back", with_run(lambda root, run: _replace(checkpoints(run)[-1])
                                                               or generate(run, root)), 0, "falling back to the previous checkpoint",
         lambda root: len(list((root / "out").glob("*.png"))) == 2),
    Case("newest checkpoint a FIFO", with_run(lambda root, run: _replace(checkpoints(run)[-1], kind="fifo")
                                               or generate(run, root)), 0, "not a regular file"),
    Case("newest checkpoint a folder", with_run(lambda root, run: _replace(checkpoints(run)[-1], kind="folder")
                                                 or generate(run, root)), 0, "falling back"),
    Case("newest checkpoint links to /dev/zero", with_run(lambda root, run: _replace(checkpoints(run)[-1], kind="device")
                                                           or generate(run, root)), 0, "not a regular file"),
    Case("a pickle renamed .safetensors", with_run(lambda root, run: [_replace(p, pickle.dumps({"a": 1})) for p in checkpoints(run)]
                                                    and generate(run, root)), 2, "every checkpoint in"),
    Case("a header claiming 2**60 bytes", with_run(lambda root, run: [_replace(p, struct.pack("<Q", 2**60) + b"{}")
                                                                       for p in checkpoints(run)] and generate(run, root)),
         2, "every checkpoint in"),
    Case("sha256 removed and a weight changed: refused", with_run(
        lambda root, run: [strip_checksums_and_change_a_weight(p) for p in checkpoints(run)] and generate(run, root)),
         2, "has no sha256 checksums, so damage or tampering cannot be detected; if you trust it"),
    Case("sha256 removed on the newest only: the older verified one is used", with_run(
        lambda root, run: strip_checksums_and_change_a_weight(checkpoints(run)[-1]) or generate(run, root)),
         0, "falling back to the previous checkpoint"),
    Case("generate --n 10**9", with_run(lambda root, run: generate(run, root)[:2] + ["--n", str(10**9)]), 2,
         "--n must be at least 1 and at most 100,000"),
    Case("generate --grid names a folder", with_run(lambda root, run: (root / "g.png").mkdir() or
                                                    generate(run, root, "--grid", str(root / "g.png"))), 2, "is a folder"),
    Case("evaluate --n 5", with_run(lambda root, run: ["evaluate", str(run), "--n", "5"]), 2, "--n must be at least 10"),
    Case("show --rows 100000", with_run(lambda root, run: ["show", str(run), "interpolate", "--rows", "100000"]), 2,
         "--rows must be at least 1 and at most 64"),
    Case("fresh train into a folder holding a run", with_run(lambda root, run: ["train", "--out", str(run)]), 2,
         "already holds a run"),
    Case("resume with a different recipe", with_run(lambda root, run: ["train", "--out", str(run), "--resume", "--lr-d", "0.1"]),
         2, "cannot resume"),
    Case("--resume into an empty folder keeps the variant's recipe", lambda root: train(
        "sklearn:digits", root / "out", "--model", "wgan", "--resume"), 0, "",
         lambda root: "optimizer: rmsprop" in (root / "out" / "config.yaml").read_text()),
]

READ_ONLY_CASES = [
    Case("train --resume on a read-only run", with_run(lambda root, run: read_only(run) and
                                                       ["train", "--out", str(run), "--resume", "--steps", "3", "--quiet"]),
         2, "cannot write in", needs="read-only"),
    Case("generate on a read-only run, default --out", with_run(lambda root, run: read_only(run) and ["generate", str(run)]),
         2, "use --out DIR to write the images somewhere else", needs="read-only"),
    Case("generate --out ELSEWHERE on a read-only run", with_run(lambda root, run: read_only(run) and generate(run, root)),
         0, "", lambda root: len(list((root / "out").glob("*.png"))) == 2, needs="read-only"),
    Case("evaluate --out ELSEWHERE on a read-only run", with_run(lambda root, run: read_only(run) and [
        "evaluate", str(run), "--n", "10", "--classifier-steps", "2", "--no-report", "--quiet", "--out", str(root / "out")]),
         0, "", lambda root: "rows" in json.loads((root / "out" / "metrics.json").read_text()), needs="read-only"),
]

CASES = DATA_CASES + CONFIG_CASES + CLI_CASES + RUN_CASES + READ_ONLY_CASES
TRAINED: list[Path] = []
MOUNTS: list[Path] = []


def read_only(folder: Path) -> bool:
    """Make ``folder`` read-only for real: a read-only bind mount as root, permissions otherwise."""
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return True
    if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode != 0:
        pytest.skip("needs a read-only mount: root here cannot mount, and root ignores permissions")
    MOUNTS.append(folder)
    subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
    return True


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    assert main(["train", "--data", "sklearn:digits", *TINY_TRAIN, "--steps", "2", "--checkpoint-every", "1",
                 "--cache-dir", str(root / "cache"), "--out", str(root / "run")]) == 0
    TRAINED[:] = [root / "run"]
    return root / "run"


def _info(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


def _num_images(run: Path) -> int:
    return _info(run)["num_images"]


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

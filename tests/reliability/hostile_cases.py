"""The hostile-input table of test_hostile_inputs.py: each case builds its inputs (data folders,
config files, run directories, checkpoints) in a fresh folder and names the command to run,
the exit code and what the user must be told. docs/reliability.md lists the same cases."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.reliability.hostile import broken_files, encode, noise, write_corpus

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
    Case("stylize --scales 50", flags("stylize", "ROOT/c.png", "ROOT/s.png", "--scales", "50"), 2,
         "--scales must be at least 0 and at most 8"),
    Case("style train-decoder --batch 10**6", flags("style", "train-decoder", "--content", "ROOT", "--style", "ROOT",
                                                    "--batch", "1000000"), 2, "--batch must be at least 1 and at most 4,096"),
    Case("classify train --width 10**6", flags("classify", "train", "--width", "1000000"), 2,
         "--width must be at least 1 and at most 1,024"),
    Case("classify test --per-class 10**9", flags("classify", "test", "ROOT", "--per-class", "1000000000"), 2,
         "--per-class must be at least 1 and at most 100,000"),
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


def _info(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


def _num_images(run: Path) -> int:
    return _info(run)["num_images"]

"""--checkpoint best|last|STEP: which file each choice means, and generate/show/load_generator using it."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image

from artgan.cli import main
from artgan.config import build_config
from artgan.errors import ArtganError
from artgan.generation import load_generator
from artgan.runs.best import BestRecord, best_path, checkpoint_candidates, forget_best, read_best, write_best
from artgan.runs.checkpoint import checkpoint_path, prune_checkpoints
from artgan.training import train
from tests.conftest import tiny_overrides


@pytest.fixture(scope="module")
def run_with_best(tmp_path_factory):
    """A 6-step run whose best checkpoint is its step 3 (as if KID had been lowest there)."""
    root = tmp_path_factory.mktemp("best")
    run = train(build_config(tiny_overrides(root, keep_checkpoints=5)), out=root / "run", progress=False)
    shutil.copy(checkpoint_path(run.checkpoints, 3), best_path(run))
    write_best(run, BestRecord("kid_domain", 0.0123, 3))
    return run


def test_each_choice_means_its_file_and_the_default_is_the_best(run_with_best):
    run, (three, six) = run_with_best, (checkpoint_path(run_with_best.checkpoints, s) for s in (3, 6))
    assert read_best(run) == BestRecord("kid_domain", 0.0123, 3)
    assert checkpoint_candidates(run) == [best_path(run), six, three]  # a damaged best falls back to the last
    assert checkpoint_candidates(run, "best") == [best_path(run)]
    assert checkpoint_candidates(run, "last") == [six, three]
    assert checkpoint_candidates(run, "3") == checkpoint_candidates(run, 3) == [three]
    assert run.read_info()["channels"] == 1  # the record sits beside run.json's other entries


def test_missing_or_malformed_choices_say_what_exists(run_with_best, tmp_path):
    with pytest.raises(ArtganError, match=r"no step 4 checkpoint; it has: best \(step 3, kid_domain 0.0123\); "
                                          r"last \(step 6\); steps 3, 6"):
        checkpoint_candidates(run_with_best, 4)
    with pytest.raises(ArtganError, match="--checkpoint takes best, last or a step number .*got 'newest'"):
        checkpoint_candidates(run_with_best, "newest")
    copy = shutil.copytree(run_with_best.path, tmp_path / "copy")
    from artgan.runs.run_dir import RunDir

    plain = RunDir(copy)
    forget_best(plain)  # no record, no file: the last is the default, and best is an error that says why
    assert read_best(plain) is None and not best_path(plain).exists()
    assert checkpoint_candidates(plain)[0].name == "step_00000006.safetensors"
    with pytest.raises(ArtganError, match=r"no best checkpoint \(a run keeps one when trained with --eval-every N\); "
                                          r"it has: last \(step 6\); steps 3, 6"):
        checkpoint_candidates(plain, "best")
    write_best(plain, BestRecord("kid_domain", 0.01, 3))  # a record whose file is gone is no best
    assert read_best(plain) is None


def test_rotation_never_deletes_the_best(run_with_best, tmp_path):
    folder = shutil.copytree(run_with_best.checkpoints, tmp_path / "checkpoints")
    prune_checkpoints(folder, keep=1)
    assert sorted(p.name for p in folder.iterdir()) == ["best.safetensors", "step_00000006.safetensors"]


def test_load_generator_generate_and_show_use_the_best_by_default(run_with_best, tmp_path, capsys):
    run = str(run_with_best.path)
    model = load_generator(run)
    assert (model.step, model.from_best, model.describe_checkpoint()) == (3, True, "the best checkpoint (step 3)")
    assert (load_generator(run, checkpoint="last").step, load_generator(run, checkpoint=3).from_best) == (6, False)
    for name, choice in (("default", []), ("best", ["--checkpoint", "best"]), ("three", ["--checkpoint", "3"]),
                         ("last", ["--checkpoint", "last"])):
        assert main(["generate", run, "--seeds", "0", "--out", str(tmp_path / name), *choice]) == 0
        assert main(["show", run, "average", "--n", "8", "--out", str(tmp_path / f"{name}.png"), *choice]) == 0
    assert "wrote 1 images of the best checkpoint (step 3) to" in capsys.readouterr().out
    image = {name: (tmp_path / name / "seed0000.png").read_bytes() for name in ("default", "best", "three", "last")}
    shown = {name: Image.open(tmp_path / f"{name}.png").tobytes() for name in ("default", "best", "three", "last")}
    for drawn in (image, shown):
        assert drawn["default"] == drawn["best"] == drawn["three"] != drawn["last"]


def test_a_checkpoint_that_does_not_exist_is_one_line_error(run_with_best, tmp_path, capsys):
    assert main(["generate", str(run_with_best.path), "--checkpoint", "99", "--out", str(tmp_path / "g")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"artgan: error: run {str(run_with_best.path)!r} has no step 99 checkpoint; it has: "
        "best (step 3, kid_domain 0.0123); last (step 6); steps 3, 6"]

"""Checkpoints survive what disks and crashes do to them: torn writes, bit rot, truncation, a full
disk, stray temp files, hostile files, and a user who points a fresh run at an old one."""

from __future__ import annotations

import errno
import os
import pickle

import pytest
import torch

from artgan.atomic import DiskFullError, write_bytes_atomic
from artgan.cli import main
from artgan.config import build_config
from artgan.errors import ArtganError
from artgan.generation import load_generator
from artgan.training import prepare_run, train
from artgan.runs.checkpoint import CorruptCheckpoint, list_checkpoints, load_checkpoint, newest_good_checkpoint
from artgan.runs.metrics_log import read_metrics
from tests.conftest import tiny_overrides


@pytest.fixture
def six_step_run(tmp_path):
    """A finished run with checkpoints at steps 3 and 6."""
    return train(build_config(tiny_overrides(tmp_path)), out=tmp_path / "run", progress=False)


def full_disk(monkeypatch):
    """Make every fsync fail as a full disk does (delayed allocation reports ENOSPC there)."""
    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)


def test_atomic_write_on_a_full_disk_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    write_bytes_atomic(target, b"old contents")
    full_disk(monkeypatch)
    with pytest.raises(DiskFullError, match="no space left on the disk to write .*file.bin"):
        write_bytes_atomic(target, b"new contents that do not fit")
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_full_disk_during_a_checkpoint_names_the_intact_one(tmp_path, monkeypatch):
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path)), tmp_path / "run", False, progress=False)
    trainer.fit()
    good = trainer.run.latest_checkpoint()
    trainer.step += 1
    full_disk(monkeypatch)
    with pytest.raises(DiskFullError, match=f"last good checkpoint {good} is intact.*--resume"):
        trainer.save_checkpoint()
    monkeypatch.undo()
    assert list_checkpoints(trainer.run.checkpoints)[-1] == good
    assert load_checkpoint(good)["step"] == 6


def test_full_disk_from_the_command_line_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    full_disk(monkeypatch)
    code = main(["train", "--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8",
                 "--batch", "16", "--steps", "2", "--quiet", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("artgan: error: no space left on the disk") and len(err.splitlines()) == 1


def flip_byte(path, offset_from_end=100):
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage", [flip_byte, truncate, lambda p: p.write_bytes(b""), lambda p: p.write_bytes(b"\x00" * 64)],
                         ids=["bit-flip", "truncated", "zero-bytes", "garbage"])
def test_damaged_newest_checkpoint_falls_back_to_the_previous_with_a_warning(six_step_run, tmp_path, damage):
    newest = six_step_run.latest_checkpoint()
    damage(newest)
    with pytest.raises(CorruptCheckpoint):
        load_checkpoint(newest)
    with pytest.warns(UserWarning, match="falling back to the previous checkpoint.*renamed to step_00000006.safetensors.corrupt"):
        trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path)), six_step_run.path, True, progress=False)
    assert trainer.step == 3
    assert newest.with_name(newest.name + ".corrupt").exists() and not newest.exists()
    assert max(read_metrics(six_step_run.path)["loss_d"][0]) <= 3  # metrics of the lost steps are dropped
    trainer.fit()  # redoes steps 4-6 and writes a good checkpoint 6
    assert load_checkpoint(newest)["step"] == 6


def test_bit_flip_in_one_part_is_caught_even_when_only_that_part_is_read(six_step_run):
    newest = six_step_run.latest_checkpoint()
    flip_byte(newest, offset_from_end=1)  # the last tensor stored; load the part that holds it
    damaged = [part for part in load_checkpoint(list_checkpoints(six_step_run.checkpoints)[0])
               if _raises(lambda: load_checkpoint(newest, only=part))]
    assert len(damaged) == 1


def _raises(thunk) -> bool:
    try:
        thunk()
    except CorruptCheckpoint:
        return True
    return False


def test_generate_falls_back_too_without_renaming(six_step_run):
    truncate(six_step_run.latest_checkpoint())
    with pytest.warns(UserWarning, match="falling back"):
        loaded = load_generator(six_step_run.path)
    assert loaded.step == 3 and six_step_run.latest_checkpoint().name == "step_00000006.safetensors"


def test_every_checkpoint_damaged_is_a_clear_error(six_step_run, tmp_path, capsys):
    for path in list_checkpoints(six_step_run.checkpoints):
        truncate(path)
    with pytest.warns(UserWarning):
        with pytest.raises(CorruptCheckpoint, match="every checkpoint in .* is damaged"):
            newest_good_checkpoint(six_step_run.checkpoints)


def test_a_pickle_disguised_as_a_checkpoint_is_refused_without_running_it(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    disguised = tmp_path / "checkpoints" / "step_00000001.safetensors"
    disguised.parent.mkdir()
    disguised.write_bytes(pickle.dumps(Exploit()))
    torch.save({"x": Exploit()}, tmp_path / "checkpoints" / "step_00000002.safetensors")
    with pytest.warns(UserWarning), pytest.raises(CorruptCheckpoint):
        newest_good_checkpoint(tmp_path / "checkpoints")
    assert not (tmp_path / "pwned").exists()


def test_fresh_training_refuses_a_folder_that_holds_a_run(six_step_run, tmp_path, capsys):
    before = (six_step_run.path / "config.yaml").read_text()
    code = main(["train", "--data", "sklearn:digits", "--size", "16", "--steps", "2", "--quiet", "--out", str(six_step_run.path)])
    err = capsys.readouterr().err
    assert code == 2 and "already holds a run" in err and "--resume" in err and "new --out" in err
    assert (six_step_run.path / "config.yaml").read_text() == before
    assert len(list_checkpoints(six_step_run.checkpoints)) == 2


def test_resume_removes_temp_files_a_killed_write_left(six_step_run, tmp_path):
    stray = six_step_run.checkpoints / ".step_00000009.safetensors.abc123.tmp"
    stray.write_bytes(b"half a checkpoint")
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path)), six_step_run.path, True, progress=False)
    assert trainer.step == 6 and not stray.exists()


def test_a_torn_last_metrics_line_is_dropped_on_resume(six_step_run, tmp_path):
    metrics = six_step_run.path / "metrics.csv"
    with open(metrics, "a") as file:
        file.write("8,0.71")  # a crash in the middle of an append
    assert sorted(read_metrics(six_step_run.path)["loss_d"][0]) == [2, 4, 6]
    prepare_run(build_config(tiny_overrides(tmp_path, steps=9)), six_step_run.path, True, progress=False)[0].fit()
    assert read_metrics(six_step_run.path)["loss_d"][0] == [2, 4, 6, 8, 9]


def test_resuming_with_networks_that_do_not_fit_the_checkpoint_is_a_clear_error(six_step_run, tmp_path):
    wider = tiny_overrides(tmp_path)
    wider["model"]["g_width"] = 16  # e.g. config.yaml edited by hand between the two runs
    with pytest.raises(ArtganError, match="step_00000006.safetensors does not fit this run .*another --out"):
        prepare_run(build_config(wider), six_step_run.path, True, progress=False)


def test_atomic_writes_give_files_the_permissions_open_would(tmp_path):
    """mkstemp's 0600 would hide a run's grids and checkpoints from the user's other accounts and servers."""
    import os

    from artgan.atomic import UMASK, write_text_atomic

    write_text_atomic(tmp_path / "config.yaml", "a: 1\n")
    assert (tmp_path / "config.yaml").stat().st_mode & 0o777 == 0o666 & ~UMASK
    (tmp_path / "plain.txt").write_text("a: 1\n")
    assert (tmp_path / "config.yaml").stat().st_mode & 0o777 == (tmp_path / "plain.txt").stat().st_mode & 0o777
    assert os.umask(UMASK) == UMASK  # reading it left the process's umask as it was

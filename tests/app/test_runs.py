"""Finding runs under the app's folder, and never outside it."""

from __future__ import annotations

import os
import shutil
import time

from artgan.app.runs import find_runs


def test_finds_runs_at_any_depth_newest_first_and_skips_what_is_not_a_run(runs_root, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(runs_root / "digits", root / "old")
    shutil.copytree(runs_root / "digits", root / "group" / "new")
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a run")
    (root / "broken").mkdir()
    (root / "broken" / "run.json").write_text("{not json")
    (root / "broken" / "config.yaml").write_text("model: {}\n")
    old = time.time() - 600
    for path in (root / "old").rglob("*"):
        os.utime(path, (old, old))

    runs = find_runs(root)
    assert [run.name for run in runs] == ["group/new", "old"]
    run = runs[0]
    assert (run.variant, run.source, run.size, run.channels, run.step, run.planned_steps) == ("dcgan", "sklearn:digits", 16, 1, 4, 4)
    assert run.class_names == [str(digit) for digit in range(10)]
    assert len(run.sample_frames) == 2 and run.state() == "finished"
    assert "group/new" in run.label and "step 4" in run.label


def test_a_run_without_its_final_grid_is_training_while_it_changes_then_stopped(runs_root, tmp_path):
    live = tmp_path / "runs" / "live"
    shutil.copytree(runs_root / "digits", live)
    (live / "samples.png").unlink()
    (live / "metrics.csv").touch()
    [run] = find_runs(tmp_path / "runs")
    assert run.state() == "training"
    assert run.state(now=time.time() + 3600) == "stopped"


def test_a_run_with_no_checkpoint_yet_is_listed_with_step_0(runs_root, tmp_path):
    fresh = tmp_path / "runs" / "fresh"
    fresh.mkdir(parents=True)
    for name in ("run.json", "config.yaml"):
        shutil.copy(runs_root / "digits" / name, fresh / name)
    [run] = find_runs(tmp_path / "runs")
    assert run.step == 0 and not run.has_checkpoint and run.sample_frames == []


def test_runs_outside_the_root_are_never_offered(runs_root, tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    os.symlink(runs_root / "digits", root / "elsewhere")  # a link out of the folder
    assert find_runs(root) == []
    assert find_runs(tmp_path / "missing") == []


def test_a_run_that_kept_a_best_checkpoint_is_summarised_and_sampled_from_it(runs_root, tmp_path):
    from artgan.runs.best import BestRecord, best_path, write_best
    from artgan.runs.checkpoint import checkpoint_path
    from artgan.runs.run_dir import RunDir

    copy = RunDir(shutil.copytree(runs_root / "digits", tmp_path / "digits"))
    assert find_runs(tmp_path)[0].best is None
    shutil.copy(checkpoint_path(copy.checkpoints, 2), best_path(copy))
    write_best(copy, BestRecord("kid_domain", 0.0123, 2))
    [run] = find_runs(tmp_path)
    assert (run.best, run.step, run.sampled_step) == (BestRecord("kid_domain", 0.0123, 2), 4, 2)
    assert run.best_note == "best checkpoint: step 2, KID 0.0123" and "step 2 (best of 4)" in run.label


def test_a_time_budget_run_is_planned_by_its_budget_not_by_the_steps_it_overrides(runs_root, tmp_path):
    import yaml

    run_path = tmp_path / "runs" / "budget"
    shutil.copytree(runs_root / "digits", run_path)
    config = yaml.safe_load((run_path / "config.yaml").read_text())
    config["train"] |= {"time": "5m", "steps": 1_000_000}
    (run_path / "config.yaml").write_text(yaml.safe_dump(config))
    [run] = find_runs(tmp_path / "runs")
    assert (run.plan, run.planned_steps) == ("5m", 0)
    [steps_run] = find_runs(runs_root / "digits")
    assert steps_run.plan == "4"

"""The best checkpoint's keeper: saves on a strictly lower KID, never a worse one, across a resume too."""

from __future__ import annotations

import json
import math

import torch

from artgan.runs.best import BestRecord, best_path, read_best
from artgan.runs.checkpoint import load_checkpoint
from artgan.runs.run_dir import RunDir
from artgan.training.best import BestKeeper


def scripted_run(tmp_path) -> tuple[RunDir, dict]:
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_info({"channels": 1, "class_names": None})
    now = {"step": 0}
    return run, now


def keeper_for(run: RunDir, now: dict) -> BestKeeper:
    return BestKeeper(run, lambda: {"step": now["step"], "generator": {"weight": torch.full((2,), float(now["step"]))}})


def offer(keeper: BestKeeper, now: dict, step: int, kid: float) -> bool:
    now["step"] = step
    return keeper(step, {"kid_domain": kid, "fid_domain": 1.0})


def test_the_best_is_replaced_only_by_a_strictly_lower_score(tmp_path):
    run, now = scripted_run(tmp_path)
    keeper = keeper_for(run, now)
    kept = [offer(keeper, now, step, kid) for step, kid in ((10, 0.5), (20, 0.3), (30, 0.4), (40, 0.3), (50, math.nan))]
    assert kept == [True, True, False, False, False]
    assert read_best(run) == BestRecord("kid_domain", 0.3, 20)
    state = load_checkpoint(best_path(run))  # the state of step 20, checksummed like every checkpoint
    assert state["step"] == 20 and torch.equal(state["generator"]["weight"], torch.full((2,), 20.0))
    assert json.loads(run.info_file.read_text())["channels"] == 1  # run.json's other entries are kept


def test_a_collapsed_state_is_never_the_best_however_low_its_kid(tmp_path):
    run, now = scripted_run(tmp_path)
    keeper = BestKeeper(run, lambda: {"step": now["step"], "generator": {}}, min_recall=0.1)
    offers = ((10, 0.5, 0.4), (20, 0.1, 0.0), (30, 0.3, 0.1), (40, 0.2, None))  # (step, KID, recall or unmeasured)
    kept = []
    for step, kid, recall in offers:
        now["step"] = step
        kept.append(keeper(step, {"kid_domain": kid} | ({} if recall is None else {"recall_domain": recall})))
    assert kept == [True, False, True, True]
    assert read_best(run) == BestRecord("kid_domain", 0.2, 40)


def test_a_resumed_run_goes_on_from_the_recorded_best(tmp_path):
    run, now = scripted_run(tmp_path)
    offer(keeper_for(run, now), now, 20, 0.3)
    resumed = keeper_for(run, now)  # a new process: it knows the best from run.json only
    assert not offer(resumed, now, 30, 0.35)
    assert load_checkpoint(best_path(run))["step"] == 20
    assert offer(resumed, now, 40, 0.2) and read_best(run) == BestRecord("kid_domain", 0.2, 40)


def test_a_fresh_start_forgets_the_best_a_killed_run_left(tmp_path):
    from artgan.config import build_config
    from artgan.runs.best import write_best
    from artgan.training import prepare_run
    from tests.conftest import tiny_overrides

    run, now = scripted_run(tmp_path)
    offer(keeper_for(run, now), now, 20, 0.3)  # killed before its first step checkpoint: a fresh start is allowed
    prepare_run(build_config(tiny_overrides(tmp_path)), run.path, resume=False, progress=False)
    assert read_best(run) is None and not best_path(run).exists() and "best" not in json.loads(run.info_file.read_text())
    write_best(run, BestRecord("kid_domain", 0.3, 20))  # nor does a record outlive its file
    assert read_best(run) is None

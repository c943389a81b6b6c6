"""A short real training run: artefacts, learning signal, checkpoints and exact resume."""

from __future__ import annotations

import csv

import torch
from PIL import Image

from artgan.config import build_config
from artgan.training import prepare_run, train
from artgan.runs.checkpoint import list_checkpoints, load_checkpoint
from tests.conftest import tiny_overrides


def test_short_run_writes_every_artefact(tmp_path):
    run = train(build_config(tiny_overrides(tmp_path)), out=tmp_path / "run", progress=False)
    for name in ("config.yaml", "run.json", "metrics.csv", "samples.png", "training_curves.png", "timelapse.gif"):
        assert (run.path / name).is_file(), name
    assert any((run.path / "tensorboard").iterdir())
    assert [p.name for p in list_checkpoints(run.checkpoints)] == ["step_00000003.safetensors", "step_00000006.safetensors"]
    assert sorted(p.name for p in run.samples.glob("*.png")) == ["step_00000003.png", "step_00000006.png"]
    with Image.open(run.path / "timelapse.gif") as gif:
        assert gif.n_frames == 2
    rows = list(csv.DictReader(open(run.path / "metrics.csv")))
    assert [int(r["step"]) for r in rows] == [2, 4, 6]
    for row in rows:
        assert 0 <= float(row["d_real"]) <= 1 and 0 <= float(row["d_fake"]) <= 1
        assert float(row["images_per_second"]) > 0


def test_training_moves_the_generator_and_samples_are_not_blank(tmp_path):
    # 40 steps: the grid is drawn in eval mode, and G's batch-norm running statistics (momentum 0.1,
    # one G forward per step) need about that many updates to leave their initial variance of 1.
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path, steps=40)), tmp_path / "run", False, progress=False)
    before = {k: v.clone() for k, v in trainer.G.state_dict().items()}
    initial_grid = trainer.sample_grid().float()
    trainer.fit()
    changed = [k for k, v in trainer.G.state_dict().items() if v.dtype.is_floating_point and not torch.equal(v, before[k])]
    assert len(changed) > 5
    grid = trainer.sample_grid()
    # An untrained G draws flat grey; after 40 steps its samples already have real contrast.
    assert grid.dtype == torch.uint8 and grid.float().std() > 5 * initial_grid.std()


def test_steps_follow_epochs_when_given(tmp_path):
    trainer, data = prepare_run(build_config(tiny_overrides(tmp_path, epochs=0.5, batch=64)), tmp_path / "r", False, False)
    assert trainer.total_steps == -(-len(data) // 2 // 64) == 15


def test_checkpoint_keeps_last_k_and_holds_everything_to_resume(tmp_path):
    run = train(build_config(tiny_overrides(tmp_path, steps=12, keep_checkpoints=2)), out=tmp_path / "run", progress=False)
    kept = list_checkpoints(run.checkpoints)
    assert [p.name for p in kept] == ["step_00000009.safetensors", "step_00000012.safetensors"]
    state = load_checkpoint(kept[-1])
    assert state["step"] == 12
    assert {"generator", "discriminator", "optimizer_g", "optimizer_d", "sampler", "noise_rng", "torch_rng"} <= set(state)
    assert state["optimizer_d"]["param_groups"][0]["betas"] == (0.5, 0.999)


def test_resume_continues_to_the_same_weights_as_one_uninterrupted_run(tmp_path):
    straight = train(build_config(tiny_overrides(tmp_path, steps=9)), out=tmp_path / "straight", progress=False)
    # Interrupted: stop after 6 steps, then resume the same run to 9.
    train(build_config(tiny_overrides(tmp_path, steps=6)), out=tmp_path / "resumed", progress=False)
    resumed = train(build_config(tiny_overrides(tmp_path, steps=9)), out=tmp_path / "resumed", resume=True, progress=False)
    a = load_checkpoint(straight.latest_checkpoint())
    b = load_checkpoint(resumed.latest_checkpoint())
    for part in ("generator", "discriminator"):
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), f"{part}.{key} differs after resume"
    steps = [int(r["step"]) for r in csv.DictReader(open(resumed.path / "metrics.csv"))]
    assert steps == sorted(set(steps))  # nothing logged twice

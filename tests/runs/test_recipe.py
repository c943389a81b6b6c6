"""One precedence for a run's config: a resumed run trains the recipe a fresh one would."""

from __future__ import annotations

import pytest
import torch

from artgan.cli import main
from artgan.errors import ArtganError
from artgan.runs.checkpoint import list_checkpoints, load_checkpoint
from artgan.runs.recipe import resolve_config
from artgan.runs.run_dir import RunDir

TINY = ["--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8", "--latent-dim", "16",
        "--batch", "16", "--steps", "2", "--sample-every", "2", "--checkpoint-every", "2", "--grid-size", "8",
        "--precision", "fp32", "--no-calibrate", "--quiet"]  # calibration would time threads and layouts


def test_variant_defaults_sit_between_the_dataclass_defaults_and_the_user():
    wgan = resolve_config({"model": {"name": "wgan"}}).train
    assert (wgan.optimizer, wgan.lr_g, wgan.lr_d, wgan.n_critic) == ("rmsprop", 5e-5, 5e-5, 5)
    assert resolve_config({}).train.label_smoothing == 0.2  # dcgan's own default
    file, flags = {"model": {"name": "wgan"}, "train": {"n_critic": 3, "lr_d": 1e-4}}, {"train": {"n_critic": 2}}
    layered = resolve_config(file, flags).train
    assert (layered.n_critic, layered.lr_d, layered.lr_g) == (2, 1e-4, 5e-5)  # flags > file > variant


def test_the_default_recipe_is_dcgan_with_a_faster_d_and_a_short_ema_and_cdcgan_shares_it():
    default = resolve_config({}).train
    assert (default.lr_g, default.lr_d, default.ema, default.ema_decay) == (2e-4, 4e-4, True, 0.995)
    plain = resolve_config({"train": {"lr_d": 2e-4, "ema": False}}).train
    assert (plain.lr_d, plain.ema, plain.label_smoothing) == (2e-4, False, 0.2)  # the old default, by flags
    mlp = resolve_config({"model": {"name": "mlp"}}).train
    assert (mlp.lr_d, mlp.ema, mlp.label_smoothing) == (2e-4, False, 0.2)
    cdcgan = resolve_config({"model": {"name": "cdcgan"}})  # measured with the recipe and a projection D
    assert (cdcgan.train.lr_d, cdcgan.train.ema_decay, cdcgan.train.label_smoothing, cdcgan.model.projection,
            cdcgan.model.class_head) == (4e-4, 0.995, 0.2, True, 1.0)


@pytest.mark.parametrize("folder", ["new", "empty"])
def test_resume_into_a_folder_without_a_run_resolves_like_a_fresh_run(tmp_path, folder):
    out = tmp_path / folder
    if folder == "empty":
        out.mkdir()
    for model in ("wgan", "dcgan", "sngan", "wgan-gp"):
        overrides = {"model": {"name": model}}
        assert resolve_config(overrides, resume=out) == resolve_config(overrides)


def test_cli_resume_into_a_new_folder_trains_the_variants_recipe(tmp_path):
    out = tmp_path / "new"
    assert main(["train", *TINY, "--model", "wgan", "--out", str(out), "--resume"]) == 0
    saved = RunDir(out).read_config().train
    assert (saved.optimizer, saved.lr_g, saved.lr_d, saved.n_critic) == ("rmsprop", 5e-5, 5e-5, 5)
    assert main(["train", *TINY, "--out", str(tmp_path / "dcgan"), "--resume"]) == 0
    assert RunDir(tmp_path / "dcgan").read_config().train.label_smoothing == 0.2


def newest_state(run) -> dict:
    return load_checkpoint(list_checkpoints(run / "checkpoints")[-1])


@pytest.mark.parametrize("killed", ["before config.yaml", "after config.yaml"])
def test_a_run_killed_before_its_first_checkpoint_resumes_into_the_same_run(tmp_path, killed):
    torch.set_num_threads(1)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert main(["train", *TINY, "--model", "wgan", "--out", str(straight)]) == 0
    resumed.mkdir()
    if killed == "after config.yaml":  # the run wrote its config, then died loading data
        RunDir(straight).read_config().save(resumed / "config.yaml")
    model = ["--model", "wgan"] if killed == "before config.yaml" else []
    assert main(["train", *TINY, *model, "--out", str(resumed), "--resume"]) == 0
    assert RunDir(resumed).read_config() == RunDir(straight).read_config()
    a, b = newest_state(straight), newest_state(resumed)
    assert all(torch.equal(a["generator"][k], b["generator"][k]) for k in a["generator"])


def test_resume_refuses_a_change_of_recipe_and_accepts_a_longer_run(tmp_path):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--model", "wgan", "--out", str(out)]) == 0
    with pytest.raises(ArtganError, match=r"cannot resume .*train.n_critic: saved 5, asked 1"):
        resolve_config({"model": {"name": "wgan"}, "train": {"n_critic": 1}}, resume=out)
    longer = resolve_config({"train": {"steps": 9, "diffaug_policy": "color,translation"}}, resume=out)
    assert (longer.train.steps, longer.train.optimizer, longer.model.name) == (9, "rmsprop", "wgan")

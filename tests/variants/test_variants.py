"""Every registered variant trains on real data from the CLI's config path, plus what each one adds."""

from __future__ import annotations

import csv
import math

import pytest
import torch
from torch import nn

from artgan.errors import ArtganError
from artgan.training import prepare_run, train
from artgan.runs.recipe import resolve_config
from artgan.variants import VARIANTS
from tests.conftest import tiny_overrides


def variant_config(tmp_path, name: str, model: dict | None = None, **train_options):
    """Tiny digits config with the variant's own defaults layered in, as `artgan train --model` does."""
    overrides = tiny_overrides(tmp_path, **train_options)
    overrides["model"] |= {"name": name, **(model or {})}
    return resolve_config(overrides)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_trains_with_finite_losses(tmp_path, name):
    torch.set_num_threads(1)
    run = train(variant_config(tmp_path, name, steps=4, n_critic=1), out=tmp_path / name, progress=False)
    rows = list(csv.DictReader(open(run.path / "metrics.csv")))
    assert rows and all(math.isfinite(float(r["loss_d"])) and math.isfinite(float(r["loss_g"])) for r in rows)
    assert (run.path / "samples.png").is_file()


def test_wgan_defaults_follow_the_paper(tmp_path):
    trainer, _ = prepare_run(variant_config(tmp_path, "wgan"), tmp_path / "run", False, progress=False)
    assert isinstance(trainer.opt_d, torch.optim.RMSprop) and trainer.opt_d.param_groups[0]["lr"] == 5e-5
    assert trainer.config.train.n_critic == 5


def test_wgan_clips_critic_weights_after_every_step(tmp_path):
    trainer, _ = prepare_run(variant_config(tmp_path, "wgan", {"weight_clip": 0.005}, lr_d=0.5),
                             tmp_path / "run", False, progress=False)
    trainer.discriminator_step()
    weights = [p for p in trainer.D.parameters()]
    assert max(p.abs().max().item() for p in weights) == pytest.approx(0.005)


def test_wgan_gp_critic_has_no_batch_norm_and_is_penalised(tmp_path):
    config = variant_config(tmp_path, "wgan-gp")
    assert (config.train.beta1, config.train.beta2, config.train.optimizer) == (0.0, 0.9, "adam")
    trainer, _ = prepare_run(config, tmp_path / "run", False, progress=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in trainer.D.modules())
    stats = trainer.discriminator_step()
    assert stats["gradient_penalty"] > 0


def test_sngan_discriminator_layers_have_unit_spectral_norm(tmp_path):
    trainer, _ = prepare_run(variant_config(tmp_path, "sngan", steps=30), tmp_path / "run", False, progress=False)
    trainer.fit()
    convs = [m for m in trainer.D.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(hasattr(m, "parametrizations") for m in convs)
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma == pytest.approx(1.0, abs=0.15)


def test_label_tricks_are_refused_where_there_is_no_bce_target(tmp_path):
    with pytest.raises(ArtganError, match="label-smoothing"):
        prepare_run(variant_config(tmp_path, "wgan-gp", label_smoothing=0.2), tmp_path / "run", False, progress=False)


def test_label_smoothing_changes_dcgan_discriminator_loss(tmp_path):
    plain, _ = prepare_run(variant_config(tmp_path, "dcgan"), tmp_path / "a", False, progress=False)
    smooth, _ = prepare_run(variant_config(tmp_path, "dcgan", label_smoothing=0.3, label_flip=0.2), tmp_path / "b", False, progress=False)
    real, _ = plain.sampler.next()
    fake = plain.G(torch.randn(16, 16)).detach()
    loss_plain, _ = plain.variant.discriminator_loss(plain.D, real, None, fake, None)
    loss_smooth, _ = smooth.variant.discriminator_loss(plain.D, real, None, fake, None)
    assert not torch.isclose(loss_plain, loss_smooth)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_reports_the_statistics_of_the_contract(tmp_path, name):
    """variants/base.py: loss_d and d_real_sign from D's step (ADA steers by it), loss_g from G's."""
    torch.set_num_threads(1)
    trainer, _ = prepare_run(variant_config(tmp_path, name), tmp_path / name, False, progress=False)
    d_stats = trainer.discriminator_step(keep_fake=True)
    assert {"loss_d", "d_real_sign"} <= set(d_stats) and -1 <= d_stats["d_real_sign"] <= 1
    assert "loss_g" in trainer.generator_step(reuse_fake=True)

"""--augment ada (Karras et al. 2020) steers p by D's overfitting and resumes exactly; --mirror flips reals."""

from __future__ import annotations

import csv

import pytest
import torch

from artgan.config import build_config
from artgan.data import ImageSet
from artgan.errors import ArtganError
from artgan.training import prepare_run, train
from artgan.training.augment import ada_probability, diff_augment
from artgan.runs.checkpoint import load_checkpoint
from artgan.training.sampler import BatchSampler
from tests.conftest import tiny_overrides

ADA = dict(augment="ada", ada_interval=2, ada_images=320)  # batch 16 x 2 steps / 320: p moves 0.1 per update


def ada_trainer(tmp_path, **options):
    torch.set_num_threads(1)
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path, **(ADA | options))), tmp_path / "run", False, progress=False)
    return trainer


def scripted_discriminator(real_sign: float):
    """A D whose real and fake logits carry the given mean sign (1: sure of every image, as an overfit D is)."""
    scale = torch.nn.Parameter(torch.tensor(3.0))  # something for D's loss to differentiate

    def D(images, labels=None):
        n = len(images)
        signs = torch.ones(n)
        signs[: round(n * (1 - real_sign) / 2)] = -1.0
        return signs * scale
    return D


def augment_p(trainer) -> float:
    return trainer.stabilisers.active[0].p.item()


def test_probability_update_follows_the_sign_of_the_overfitting_signal():
    p = torch.tensor(0.5)
    assert ada_probability(p, torch.tensor(0.9), 0.6, 1000, 10_000).item() == pytest.approx(0.6)
    assert ada_probability(p, torch.tensor(0.2), 0.6, 1000, 10_000).item() == pytest.approx(0.4)
    assert ada_probability(torch.tensor(0.95), torch.tensor(1.0), 0.6, 1000, 10_000).item() == 1.0  # clamped
    assert ada_probability(torch.tensor(0.05), torch.tensor(-1.0), 0.6, 1000, 10_000).item() == 0.0


def test_p_rises_while_d_overfits_and_falls_when_it_does_not(tmp_path):
    trainer = ada_trainer(tmp_path)
    assert augment_p(trainer) == 0.0
    trainer.D_view = scripted_discriminator(real_sign=1.0)
    for _ in range(6):
        stats = trainer.discriminator_step()
    assert augment_p(trainer) == pytest.approx(0.3) and stats["augment_p"].item() == pytest.approx(0.3)
    trainer.D_view = scripted_discriminator(real_sign=0.0)  # D unsure of the reals: under the 0.6 target
    for _ in range(4):
        trainer.discriminator_step()
    assert augment_p(trainer) == pytest.approx(0.1)


def test_p_decides_how_often_each_transform_applies():
    x = torch.rand(64, 3, 8, 8) * 2 - 1
    rng = torch.Generator().manual_seed(0)
    assert torch.equal(diff_augment(x, ["color"], rng, torch.tensor(0.0)), x)
    changed = (diff_augment(x, ["color"], rng, torch.tensor(0.5)) != x).flatten(1).any(1).float().mean()
    assert 0.3 < changed < 0.7
    assert (diff_augment(x, ["color"], rng, torch.tensor(1.0)) != x).flatten(1).any(1).all()


def test_p_is_logged_and_resumes_exactly(tmp_path):
    torch.set_num_threads(1)
    # A target under any early D's E[sign D(x)], so that p moves in 8 steps.
    overrides = tiny_overrides(tmp_path, steps=8, **(ADA | {"ada_interval": 3, "ada_images": 96, "ada_target": -0.9}))
    straight = train(build_config(overrides), out=tmp_path / "straight", progress=False)
    rows = list(csv.DictReader(open(straight.path / "metrics.csv")))
    assert all(0 <= float(r["augment_p"]) <= 1 for r in rows) and len({r["augment_p"] for r in rows}) > 1
    interrupted, _ = prepare_run(build_config(overrides), tmp_path / "resumed", False, progress=False)
    for _ in range(4):  # stopped between two of p's updates
        interrupted.train_step()
        interrupted.step += 1
    interrupted.save_checkpoint()
    resumed = train(build_config(overrides), out=tmp_path / "resumed", resume=True, progress=False)
    a, b = load_checkpoint(straight.latest_checkpoint()), load_checkpoint(resumed.latest_checkpoint())
    assert torch.equal(a["ada_p"], b["ada_p"]) and a["ada_steps"] == b["ada_steps"]
    for part in ("generator", "discriminator"):
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), f"{part}.{key} differs after resume"


def test_ada_needs_augmentation_on(tmp_path):
    with pytest.raises(ArtganError, match="--augment ada"):
        build_config(tiny_overrides(tmp_path, augment="ada", diffaug=False))


def test_mirror_flips_about_half_the_real_images():
    image = torch.zeros(1, 1, 4, 4, dtype=torch.uint8)
    image[..., 0] = 255  # a bright left column: a flip puts it on the right
    data = ImageSet(images=image.repeat(64, 1, 1, 1))
    batch, _ = BatchSampler(data, 64, seed=0, device=torch.device("cpu"), mirror=True).next()
    left = batch[:, 0, 0, 0] > 0
    assert torch.equal(batch[~left], batch[:1].flip(-1).expand(int((~left).sum()), -1, -1, -1))
    assert 20 < left.sum() < 44
    plain, _ = BatchSampler(data, 64, seed=0, device=torch.device("cpu")).next()
    assert (plain[:, 0, 0, 0] > 0).all()

"""The fastgan variants: the paper's losses, the reconstruction term in D's step, labels, exact resume."""

from __future__ import annotations

import pytest
import torch

from artgan.config import build_config
from artgan.models.fastgan import FastGANDiscriminator
from artgan.training import prepare_run, train
from artgan.runs.checkpoint import load_checkpoint
from artgan.variants.fastgan import randomised_hinge_loss, reconstruction_loss
from tests.conftest import tiny_overrides


def fastgan_config(tmp_path, name="fastgan", **train_options):
    overrides = tiny_overrides(tmp_path, **train_options)
    overrides["model"] |= {"name": name}
    return build_config(overrides)


def test_randomised_hinge_follows_the_formula():
    real, fake = torch.tensor([[0.5, 2.0]]), torch.tensor([[-0.1, -3.0]])
    margin = torch.tensor([[0.9, 0.8]])
    # real: max(0, 0.9 - 0.5), max(0, 0.8 - 2) -> 0.4, 0; fake: max(0, 0.9 - 0.1), max(0, 0.8 - 3) -> 0.8, 0
    assert randomised_hinge_loss(real, fake, margin, margin).item() == pytest.approx(0.2 + 0.4)


def test_reconstruction_loss_is_zero_only_for_a_perfect_rebuild():
    target = torch.rand(2, 3, 8, 8)
    assert reconstruction_loss({"whole": (target, target), "part": (target, target)}).item() == 0
    assert reconstruction_loss({"whole": (target, target), "part": (target + 0.5, target)}).item() == pytest.approx(0.25)


def test_discriminator_step_trains_the_decoders_on_real_images(tmp_path):
    torch.set_num_threads(1)
    trainer, _ = prepare_run(fastgan_config(tmp_path), tmp_path / "run", False, progress=False)
    assert isinstance(trainer.D, FastGANDiscriminator)
    before = {k: v.clone() for k, v in trainer.D.decode_part.state_dict().items()}
    stats = trainer.discriminator_step()
    assert stats["loss_recon"] > 0 and stats["loss_d"].isfinite()
    after = trainer.D.decode_part.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)  # the quarter's decoder learned
    assert "loss_g" in trainer.generator_step()


def test_conditional_fastgan_learns_from_labels(tmp_path):
    torch.set_num_threads(1)
    trainer, data = prepare_run(fastgan_config(tmp_path, "cfastgan"), tmp_path / "run", False, progress=False)
    assert trainer.variant.conditional and trainer.G.num_classes == data.num_classes == 10
    assert trainer.D.embed.num_embeddings == 10
    assert trainer.discriminator_step()["loss_d"].isfinite()


def test_fastgan_resumes_exactly(tmp_path):
    """The part drawn and the hinge margins come from the variant's checkpointed generator."""
    torch.set_num_threads(1)
    straight = train(fastgan_config(tmp_path, steps=4), out=tmp_path / "straight", progress=False)
    train(fastgan_config(tmp_path, steps=2, checkpoint_every=2), out=tmp_path / "resumed", progress=False)
    resumed = train(fastgan_config(tmp_path, steps=4), out=tmp_path / "resumed", resume=True, progress=False)
    a, b = load_checkpoint(straight.latest_checkpoint()), load_checkpoint(resumed.latest_checkpoint())
    for part in ("generator", "discriminator"):
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), f"{part}.{key} differs after resume"

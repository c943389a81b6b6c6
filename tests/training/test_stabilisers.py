"""Each stabiliser option changes what it should, and a run with all of them resumes exactly."""

from __future__ import annotations

import copy

import pytest
import torch

from artgan.config import build_config
from artgan.generation import load_generator
from artgan.training import prepare_run, train
from artgan.runs.checkpoint import load_checkpoint
from artgan.variants.losses import r1_penalty
from tests.conftest import tiny_overrides


def trainer_for(tmp_path, name="run", model=None, **options):
    """A tiny trainer with only the stabilisers named in ``options`` (DiffAugment, on by default, too)."""
    options.setdefault("diffaug", False)
    overrides = tiny_overrides(tmp_path, **options)
    overrides["model"] |= model or {}
    torch.set_num_threads(1)
    trainer, _ = prepare_run(build_config(overrides), tmp_path / name, False, progress=False)
    return trainer


def test_only_diffaugment_is_on_by_default(tmp_path):
    torch.set_num_threads(1)
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path)), tmp_path / "run", False, progress=False)
    assert [type(s).__name__ for s in trainer.stabilisers.active] == ["DiffAugment"]
    assert trainer.D_view is not trainer.D  # D sees augmented images


def test_all_off_leaves_d_as_it_is(tmp_path):
    trainer = trainer_for(tmp_path, diffaug=False)
    assert trainer.stabilisers.active == [] and trainer.D_view is trainer.D


def test_step_schedule_decays_both_learning_rates(tmp_path):
    trainer = trainer_for(tmp_path, lr_step=2, lr_gamma=0.5, steps=5, lr_d=1e-3)
    trainer.fit()  # the last iteration ran at step 4: two decays
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.25)
    assert trainer.opt_d.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.25)


def test_instance_noise_fades_to_zero(tmp_path):
    trainer = trainer_for(tmp_path, instance_noise=0.5, steps=10)
    images = torch.zeros(64, 1, 16, 16)
    trainer.stabilisers.before_iteration(0, 0.0)
    assert trainer.stabilisers.discriminator_input(images).std() == pytest.approx(0.5, rel=0.1)
    trainer.stabilisers.before_iteration(5, 0.5)
    assert trainer.stabilisers.discriminator_input(images).std() == pytest.approx(0.25, rel=0.1)
    trainer.stabilisers.before_iteration(10, 1.0)
    assert torch.equal(trainer.stabilisers.discriminator_input(images), images)


def test_diffaug_puts_augmentation_between_the_losses_and_d(tmp_path):
    trainer = trainer_for(tmp_path, diffaug=True)
    seen = []
    trainer.D.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    real = torch.rand(4, 1, 16, 16)
    trainer.D_view(real)
    assert seen[0].shape == real.shape and not torch.equal(seen[0], real)


def test_replay_shows_d_old_fakes_with_their_labels(tmp_path):
    trainer = trainer_for(tmp_path, model={"name": "cdcgan"}, replay=1.0, replay_size=20)
    replay = trainer.stabilisers.active[0]
    first, first_labels = torch.full((16, 1, 16, 16), 0.5), torch.full((16,), 3)
    shown, labels = trainer.stabilisers.replay(first, first_labels)
    assert shown is first  # nothing to replay yet
    second, second_labels = -torch.ones(16, 1, 16, 16), torch.full((16,), 7)
    shown, labels = trainer.stabilisers.replay(second, second_labels)
    assert (shown == 0.5).all() and (labels == 3).all()  # P = 1: every fake came from the buffer
    assert len(replay.images) == len(replay.labels) == 20  # capped at --replay-size
    assert (replay.labels == 7).sum() == 4


def test_r1_adds_gamma_over_two_times_the_gradient_norm(tmp_path):
    trainer = trainer_for(tmp_path, r1=10.0)
    real = torch.rand(8, 1, 16, 16) * 2 - 1
    terms = trainer.stabilisers.penalties(trainer.D, real, None)
    assert terms["r1_penalty"].item() == pytest.approx(5.0 * r1_penalty(trainer.D, real, None).item(), rel=1e-5)
    assert "r1_penalty" in trainer.discriminator_step()


def test_lazy_r1_penalises_every_nth_iteration_n_times_as_hard(tmp_path):
    trainer = trainer_for(tmp_path, r1=10.0, r1_every=4)
    real = torch.rand(8, 1, 16, 16) * 2 - 1
    full = 5.0 * r1_penalty(trainer.D, real, None).item()
    for step in range(8):
        trainer.stabilisers.before_iteration(step, step / 8)
        terms = trainer.stabilisers.penalties(trainer.D, real, None)
        if step % 4:
            assert terms == {}  # no second backward pass on these iterations
        else:
            assert terms["r1_penalty"].item() == pytest.approx(4 * full, rel=1e-5)
    logged = trainer.stabilisers.after_discriminator_step({})["r1_penalty"]
    assert logged.item() == pytest.approx(full, rel=1e-5)  # the metric stays gamma/2 E||grad||^2, unweighted


def test_mode_seeking_punishes_one_image_per_class_and_only_compares_pairs_of_one_class(tmp_path):
    trainer = trainer_for(tmp_path, model={"name": "cdcgan"}, mode_seeking=2.0)
    z, labels = torch.randn(8, 16), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    varied = torch.rand(8, 1, 16, 16)
    per_class = varied[::2].repeat_interleave(2, 0)  # each class's pair identical, classes differ
    term = trainer.stabilisers.generator_penalties
    assert term(per_class, z, labels)["mode_seeking"] > 1000 * term(varied, z, labels)["mode_seeking"]
    assert term(per_class, z, None)["mode_seeking"] < 10 * term(varied, z, None)["mode_seeking"]  # across classes: varied
    pair = (varied[0] - varied[1]).abs().mean() / (z[0] - z[1]).abs().mean()
    assert term(varied[:2], z[:2], labels[:2])["mode_seeking"].item() == pytest.approx(2.0 / (pair.item() + 1e-5), rel=1e-4)
    assert "mode_seeking" in trainer.train_step()


def test_ema_generator_averages_g_and_is_what_generate_loads(tmp_path):
    trainer = trainer_for(tmp_path, ema=True, ema_decay=0.5, steps=3)
    before = copy.deepcopy(trainer.stabilisers.sampling_generator())
    trainer.generator_step()  # first update: decay min(0.5, 2/11)
    decay = 2 / 11
    ema = trainer.stabilisers.sampling_generator()
    for average, old, live in zip(ema.parameters(), before.parameters(), trainer.G.parameters()):
        assert torch.allclose(average, decay * old + (1 - decay) * live, atol=1e-6)
    assert trainer.sampling_generator() is ema
    trainer.fit()
    state = load_checkpoint(trainer.run.latest_checkpoint())
    loaded = load_generator(trainer.run.path)
    for key, value in loaded.generator.state_dict().items():
        assert torch.equal(value, state["generator_ema"][key])
    assert any(not torch.equal(state["generator_ema"][k], state["generator"][k]) for k in state["generator"])


def test_ema_samples_with_batch_norm_statistics_of_its_own_weights(tmp_path):
    trainer = trainer_for(tmp_path, ema=True, ema_decay=0.999)
    ema = next(s for s in trainer.stabilisers.active if type(s).__name__ == "EMAGenerator")
    ema.updates = 10**6  # past the warm-up: each update moves the average by 0.1 %
    z = torch.randn(256, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():  # the live G moves far from the average, and its statistics follow it
        for weight in trainer.G.parameters():
            weight.mul_(3)
        trainer.G.train()
        trainer.G(z)
    ema.after_generator_step()
    average = trainer.sampling_generator()
    with torch.no_grad():
        sampled = average.eval()(z)
        own_batch_statistics = copy.deepcopy(average).train()(z)
    assert (sampled - own_batch_statistics).abs().mean() < 0.05
    assert any(not torch.equal(a, b) for a, b in zip(average.buffers(), trainer.G.buffers()))


def test_ema_changes_only_which_weights_are_sampled(tmp_path):
    """Measuring the average's statistics leaves the live G (weights and statistics) as it was: same seed, same G."""
    plain = trainer_for(tmp_path, "plain", steps=6)
    averaged = trainer_for(tmp_path, "averaged", ema=True, steps=6)
    plain.fit()
    averaged.fit()  # samples (and measures) every 3 steps
    for a, b in zip(plain.G.state_dict().values(), averaged.G.state_dict().values()):
        assert torch.equal(a, b)


def test_everything_on_resumes_exactly(tmp_path):
    tricks = dict(ema=True, replay=0.5, replay_size=40, lr_step=3, diffaug=True, instance_noise=0.2,
                  r1=1.0, r1_every=3, label_smoothing=0.2, label_flip=0.1, mode_seeking=1.0)

    overrides = tiny_overrides(tmp_path, steps=8, **tricks)
    overrides["model"]["name"] = "acgan"
    torch.set_num_threads(1)
    straight = train(build_config(overrides), out=tmp_path / "straight", progress=False)
    interrupted, _ = prepare_run(build_config(overrides), tmp_path / "resumed", False, progress=False)
    for _ in range(4):  # as if stopped after step 4 (the noise still fades over all 8 steps)
        interrupted.train_step()
        interrupted.step += 1
    interrupted.save_checkpoint()
    resumed = train(build_config(overrides), out=tmp_path / "resumed", resume=True, progress=False)
    a, b = load_checkpoint(straight.latest_checkpoint()), load_checkpoint(resumed.latest_checkpoint())
    for part in ("generator", "discriminator", "generator_ema"):
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), f"{part}.{key} differs after resume"
    assert torch.equal(a["replay_images"], b["replay_images"]) and torch.equal(a["replay_labels"], b["replay_labels"])
    assert a["optimizer_g"]["param_groups"][0]["lr"] == b["optimizer_g"]["param_groups"][0]["lr"] == pytest.approx(2e-4 * 0.75 ** 2)

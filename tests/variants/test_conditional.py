"""Conditional networks use their labels; labelled variants refuse unlabelled data; generate by class."""

from __future__ import annotations

import pytest
import torch

from artgan.cli import main
from artgan.config import build_config
from artgan.errors import ArtganError
from artgan.models.conditional import (ClassBatchNorm2d, ClassNormGenerator, LabelMapDiscriminator, LabelMapGenerator,
                                       OneHotGenerator, ProjectionDiscriminator, TwoHeadDiscriminator)
from artgan.generation import load_generator
from artgan.runs.recipe import resolve_config
from artgan.training import prepare_run, train
from tests.conftest import tiny_overrides


@pytest.mark.parametrize("size", [16, 32])
@pytest.mark.parametrize("network", [LabelMapGenerator, OneHotGenerator, ClassNormGenerator])
def test_conditional_generators_draw_a_different_image_per_label(size, network):
    G = network(latent_dim=8, num_classes=3, channels=3, size=size, width=8).eval()
    z = torch.randn(1, 8).repeat(3, 1)
    images = G(z, torch.arange(3))
    assert images.shape == (3, 3, size, size) and images.abs().max() <= 1
    assert not torch.allclose(images[0], images[1]) and not torch.allclose(images[1], images[2])


def test_class_batch_norm_normalises_over_the_batch_and_scales_and_shifts_each_image_by_its_class():
    norm = ClassBatchNorm2d(channels=2, num_classes=3)
    with torch.no_grad():
        norm.scale.weight.copy_(torch.tensor([[1.0, 1.0], [2.0, 3.0], [0.5, 0.5]]))
        norm.shift.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, -1.0], [5.0, 5.0]]))
    x, labels = torch.randn(6, 2, 4, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    normalised = torch.nn.functional.batch_norm(x, None, None, training=True)  # statistics of all classes at once
    expected = normalised * norm.scale.weight[labels][:, :, None, None] + norm.shift.weight[labels][:, :, None, None]
    assert torch.allclose(norm(x, labels), expected, atol=1e-5)


def test_class_norm_generator_takes_the_class_in_every_block():
    G = ClassNormGenerator(latent_dim=8, num_classes=3, channels=3, size=32, width=8)
    assert len(G.norms) == len(G.convs) == 3
    G(torch.randn(4, 8), torch.tensor([0, 1, 2, 0])).mean().backward()
    # why: every block's scale and shift learns, for the classes the batch asked for and only those
    for norm in G.norms:
        assert norm.scale.weight.grad[:3].abs().sum(1).gt(0).all()
        assert norm.shift.weight.grad[:3].abs().sum(1).gt(0).all()
    G.zero_grad()
    G(torch.randn(4, 8), torch.tensor([0, 0, 1, 1])).mean().backward()
    assert all(norm.scale.weight.grad[2].eq(0).all() for norm in G.norms)


def test_cdcgan_g_label_norm_trains_and_its_generator_reloads(tmp_path):
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "cdcgan", "g_label": "norm"}
    report = train(resolve_config(overrides), tmp_path / "r", progress=False)
    G = load_generator(report.path).generator.eval()
    assert isinstance(G, ClassNormGenerator)
    images = G(torch.randn(1, G.latent_dim).repeat(2, 1), torch.tensor([0, 1]))
    assert not torch.allclose(images[0], images[1])


@pytest.mark.parametrize("network", [LabelMapDiscriminator, ProjectionDiscriminator])
def test_conditional_discriminators_judge_image_and_label_together(network):
    D = network(channels=1, num_classes=4, size=16, width=8).eval()
    x = torch.randn(1, 1, 16, 16).repeat(4, 1, 1, 1)
    logits = D(x, torch.arange(4))
    assert logits.shape == (4,) and logits.unique().numel() == 4


def test_two_head_discriminator_returns_class_logits_only_when_asked():
    D = TwoHeadDiscriminator(channels=3, num_classes=5, size=16, width=8)
    x = torch.randn(2, 3, 16, 16)
    assert D(x).shape == (2,)
    logits, classes = D(x, with_classes=True)
    assert logits.shape == (2,) and classes.shape == (2, 5)


def test_two_head_discriminator_has_a_twin_class_head_only_when_built_with_one():
    x = torch.randn(2, 3, 16, 16)
    logits, classes, twin = TwoHeadDiscriminator(channels=3, num_classes=5, size=16, width=8, twin=True)(x, with_twin=True)
    assert logits.shape == (2,) and classes.shape == twin.shape == (2, 5) and not torch.allclose(classes, twin)
    with pytest.raises(ValueError, match="twin"):
        TwoHeadDiscriminator(channels=3, num_classes=5, size=16, width=8)(x, with_twin=True)


def test_tac_gan_twin_head_learns_gs_labels_and_g_subtracts_what_it_can_tell(tmp_path):
    # why: G's class loss alone pulls each class towards the image D's class head is surest of (Gong et al. 2019)
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "acgan", "twin": True, "class_weight": 2.0}
    trainer, data = prepare_run(resolve_config(overrides), tmp_path / "r", False, progress=False)
    variant, D = trainer.variant, trainer.D
    fake, labels = torch.rand(8, 1, 16, 16) * 2 - 1, torch.arange(8) % data.num_classes
    logits, classes, twin = D(fake, with_twin=True)
    nll = torch.nn.functional.cross_entropy
    expected_g = torch.nn.functional.softplus(-logits).mean() + 2.0 * (nll(classes, labels) - nll(twin, labels))
    assert torch.allclose(variant.generator_loss(D, fake, labels)[0], expected_g, atol=1e-5)

    D.zero_grad()
    loss, stats = variant.discriminator_loss(D, fake.flip(0), labels, fake, labels)
    loss.backward()
    assert torch.allclose(stats["loss_d_twin"], nll(twin, labels).detach(), atol=1e-5)
    assert D.twin_head.weight.grad.abs().sum() > 0  # the twin head learns in D's step


def test_projection_discriminator_has_a_class_head_only_when_built_with_one():
    x, labels = torch.randn(2, 3, 16, 16), torch.tensor([0, 4])
    D = ProjectionDiscriminator(channels=3, num_classes=5, size=16, width=8, class_head=True)
    logits, classes = D(x, labels, with_classes=True)
    assert torch.equal(logits, D(x, labels)) and classes.shape == (2, 5)
    with pytest.raises(ValueError, match="class head"):
        ProjectionDiscriminator(channels=3, num_classes=5, size=16, width=8)(x, labels, with_classes=True)


def test_cdcgan_class_head_learns_real_labels_and_g_asks_it_for_its_own(tmp_path):
    # why: the projection D alone drew clip art of any class for the label asked (docs/quality.md)
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "cdcgan", "class_head": 2.0}
    trainer, data = prepare_run(resolve_config(overrides), tmp_path / "r", False, progress=False)
    variant, D = trainer.variant, trainer.D.eval()
    real, fake = torch.rand(8, 1, 16, 16) * 2 - 1, torch.rand(8, 1, 16, 16) * 2 - 1
    labels = torch.arange(8) % data.num_classes
    logits, classes = D(fake, labels, with_classes=True)
    nll = torch.nn.functional.cross_entropy
    expected_g = torch.nn.functional.softplus(-logits).mean() + 2.0 * nll(classes, labels)
    assert torch.allclose(variant.generator_loss(D, fake, labels)[0], expected_g, atol=1e-5)

    def class_loss(real_labels, fake_labels):
        return variant.discriminator_loss(D, real, real_labels, fake, fake_labels)[1]["loss_d_class"]

    relabelled = (labels + 1) % data.num_classes
    assert torch.allclose(class_loss(labels, labels), class_loss(labels, relabelled))  # fakes' labels: not learnt
    assert not torch.allclose(class_loss(labels, labels), class_loss(relabelled, labels))
    D.zero_grad()
    variant.discriminator_loss(D, real, labels, fake, labels)[0].backward()
    assert D.class_head.weight.grad.abs().sum() > 0


def test_cdcgan_has_a_class_head_by_default_and_runs_saved_without_the_option_have_none(tmp_path):
    # why: without it the projection D drew clip art of any category for every label (docs/quality.md)
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "cdcgan"}
    trainer, _ = prepare_run(resolve_config(overrides), tmp_path / "r", False, progress=False)
    assert trainer.D.class_head is not None and trainer.discriminator_step()["loss_d_class"] > 0
    saved = prepare_run(labelled_config(tmp_path, "cdcgan", projection=True), tmp_path / "s", False, progress=False)[0]
    assert saved.D.class_head is None and "loss_d_class" not in saved.discriminator_step()


def test_cdcgan_without_projection_asks_for_no_class_head(tmp_path):
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "cdcgan", "projection": False}
    with pytest.raises(ArtganError, match="--no-projection.* add --class-head 0"):
        prepare_run(resolve_config(overrides), tmp_path / "r", False, progress=False)
    overrides["model"] |= {"class_head": 0.0}
    assert isinstance(prepare_run(resolve_config(overrides), tmp_path / "m", False, progress=False)[0].D,
                      LabelMapDiscriminator)


def labelled_config(tmp_path, name, folder=None, **model):
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": name, **model}
    if folder is not None:
        overrides["data"]["source"] = str(folder)
    return build_config(overrides)


def test_labelled_variants_refuse_an_unlabelled_folder(tmp_path):
    from tests.conftest import write_image

    for i in range(4):
        write_image(tmp_path / "flat" / f"{i}.png", seed=i)
    for name in ("cdcgan", "acgan", "can"):
        with pytest.raises(ArtganError, match="learns from class labels"):
            prepare_run(labelled_config(tmp_path, name, tmp_path / "flat"), tmp_path / name, False, progress=False)


def test_no_projection_gives_the_reports_label_map_discriminator(tmp_path):
    trainer, _ = prepare_run(labelled_config(tmp_path, "cdcgan", projection=False), tmp_path / "r", False, progress=False)
    assert isinstance(trainer.D, LabelMapDiscriminator)
    assert trainer.discriminator_step()["loss_d"].isfinite()


def test_cdcgan_joins_the_label_to_z_by_default_and_runs_saved_without_the_choice_keep_the_reports_g(tmp_path):
    # why: the report's label-map G drew one image per class (docs/quality.md), so `--model cdcgan` must not get it
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "cdcgan"}
    trainer, _ = prepare_run(resolve_config(overrides), tmp_path / "default", False, progress=False)
    assert isinstance(trainer.G, OneHotGenerator) and trainer.config.train.label_smoothing == 0.2  # dcgan's default kept
    assert isinstance(trainer.D, ProjectionDiscriminator)
    assert trainer.train_step()["loss_g"].isfinite()
    overrides["model"] |= {"g_label": "maps"}
    report = train(resolve_config(overrides), out=tmp_path / "report", progress=False)
    saved = report.config_file.read_text()
    assert "g_label: maps" in saved
    report.config_file.write_text(saved.replace("  g_label: maps\n", ""))  # as a run saved before the choice existed
    assert isinstance(load_generator(report.path).generator, LabelMapGenerator)


def test_acgan_adds_a_light_mode_seeking_term_by_default_and_unconditional_models_do_not(tmp_path):
    # why: AC-GAN's class loss pulls each class towards one easy image (docs/quality.md)
    overrides = tiny_overrides(tmp_path, steps=2)
    overrides["model"] |= {"name": "acgan"}
    trainer, _ = prepare_run(resolve_config(overrides), tmp_path / "r", False, progress=False)
    assert trainer.config.train.mode_seeking == 0.03 and trainer.train_step()["mode_seeking"] > 0
    assert resolve_config({}).train.mode_seeking == 0 and resolve_config({"model": {"name": "fastgan"}}).train.mode_seeking == 0


def test_acgan_by_default_weighs_its_class_loss_3x_and_its_class_head_learns_real_images_only():
    # why: the paper's form drew a clip-art class in 35-45 % of samples, this one in 56-66 % (docs/quality.md)
    model = resolve_config({"model": {"name": "acgan"}}).model
    assert model.class_weight == 3.0 and model.d_class_fakes is False
    assert resolve_config({"model": {"name": "can"}}).model.class_weight == 1.0  # CAN's style losses keep the paper's
    paper = resolve_config({"model": {"name": "acgan", "class_weight": 1.0, "d_class_fakes": True}}).model
    assert paper.class_weight == 1.0 and paper.d_class_fakes is True


def test_can_generator_is_unconditional_but_its_d_learns_styles(tmp_path):
    trainer, data = prepare_run(labelled_config(tmp_path, "can"), tmp_path / "r", False, progress=False)
    assert trainer.variant.sample_labels(4, trainer.noise, trainer.device) is None
    stats = trainer.discriminator_step()
    assert 0 <= stats["d_style_accuracy"] <= 1 and stats["loss_d_style"] > 0
    assert trainer.generator_step()["style_ambiguity"] >= torch.log(torch.tensor(float(data.num_classes))) - 1e-4


def test_ambiguity_option_picks_the_loss_form(tmp_path):
    values = {}
    for form in ("uniform", "binary"):
        trainer, _ = prepare_run(labelled_config(tmp_path, "can", ambiguity=form), tmp_path / form, False, progress=False)
        values[form] = trainer.generator_step()["style_ambiguity"].item()
    assert values["binary"] > values["uniform"]  # the binary form adds the (1 - 1/K) log(1 - p) terms


def test_generate_per_class_and_by_name(tmp_path):
    run = train(labelled_config(tmp_path, "acgan"), out=tmp_path / "run", progress=False)
    assert main(["generate", str(run.path), "--per-class", "2", "--out", str(tmp_path / "g"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == [str(d) for d in range(10)]
    assert all(len(list((tmp_path / "g" / str(d)).glob("*.png"))) == 2 for d in range(10))
    assert main(["generate", str(run.path), "--class", "7", "--n", "3", "--out", str(tmp_path / "seven"), "--quiet"]) == 0
    assert len(list((tmp_path / "seven").glob("*.png"))) == 3


def test_generate_by_class_is_refused_for_can(tmp_path, capsys):
    run = train(labelled_config(tmp_path, "can"), out=tmp_path / "run", progress=False)
    assert main(["generate", str(run.path), "--class", "3", "--out", str(tmp_path / "g")]) == 2
    assert "unconditional" in capsys.readouterr().err


@pytest.mark.slow
def test_cdcgan_draws_the_digit_it_is_asked_for(tmp_path):
    """A short digits run; a logistic regression trained on real digits must recognise the requested class."""
    from sklearn.linear_model import LogisticRegression

    from artgan.data import load_images
    from artgan.generation import load_generator

    torch.set_num_threads(1)
    # The plain recipe: DiffAugment (on by default) slows a 300-step run's class fidelity to ~88 %.
    overrides = tiny_overrides(tmp_path, steps=300, batch=64, log_every=50, sample_every=300, checkpoint_every=300,
                               diffaug=False)
    overrides["model"] |= {"name": "cdcgan", "g_width": 32, "d_width": 32, "latent_dim": 32}
    config = build_config(overrides)
    run = train(config, out=tmp_path / "run", progress=False)
    real = load_images(config.data, progress=False)
    judge = LogisticRegression(max_iter=2000).fit(real.images.flatten(1).float().numpy() / 255, real.labels.numpy())
    model = load_generator(run.path)
    labels = torch.arange(10).repeat_interleave(20)
    images = model(model.noise(len(labels), seed=1), labels)
    accuracy = (judge.predict(images.flatten(1).float().numpy() / 255) == labels.numpy()).mean()
    assert accuracy >= 0.9
    assert len({bytes(image.numpy()) for image in images}) == len(images)  # not one image per class


@pytest.mark.parametrize("class_fakes", [True, False])
def test_acgan_d_learns_the_labels_of_fakes_only_when_asked(tmp_path, class_fakes):
    from artgan.variants import get_variant

    config = labelled_config(tmp_path, "acgan", d_class_fakes=class_fakes)
    variant = get_variant("acgan")(config, channels=3, num_classes=3)
    D = variant.build_discriminator().eval()
    real, fake = torch.randn(4, 3, 16, 16), torch.randn(4, 3, 16, 16)
    labels = torch.tensor([0, 1, 2, 0])
    losses = [variant.discriminator_loss(D, real, labels, fake, fake_labels)[1]["loss_d_class"]
              for fake_labels in (labels, (labels + 1) % 3)]
    # Relabelling the fakes changes what D's class head is asked exactly when it learns their labels.
    assert (not torch.allclose(losses[0], losses[1])) == class_fakes

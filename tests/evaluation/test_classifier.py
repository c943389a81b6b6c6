"""GAN-train / GAN-test on stand-in generators whose answer is known: one that draws real images of the
requested class, and one that ignores the label (class collapse)."""

import pytest
import torch

from artgan.cli import main
from artgan.evaluation.classifier import format_gan_train_test, gan_train_test
from artgan.evaluation.domain_classifier import load_classifier


class StandInGenerator:
    """Draws real held-out digits: of the requested class (faithful) or always of class 0 (collapsed)."""

    conditional = True

    def __init__(self, pool, faithful=True):
        self.pool, self.faithful, self.class_names = pool, faithful, pool.class_names

    def noise(self, n, seed):
        return torch.randn(n, 4, generator=torch.Generator().manual_seed(seed))

    def __call__(self, z, labels):
        wanted = labels if self.faithful else torch.zeros_like(labels)
        picks = [torch.nonzero(self.pool.labels == c).flatten() for c in wanted.tolist()]
        return torch.stack([self.pool.images[p[i % len(p)]] for i, p in enumerate(picks)])


def test_a_faithful_generator_scores_like_real_data(digits_setup):
    held_out = digits_setup.held_out
    scores = gan_train_test(StandInGenerator(held_out), digits_setup.classifier, held_out, per_class=20, steps=80)
    assert scores["gan_test"] > 0.85 and abs(scores["gan_test"] - scores["real"]) < 0.1
    assert scores["gan_train"] > 0.6
    assert set(scores["per_class"]) == set(held_out.class_names)
    assert "all classes" in format_gan_train_test(scores)


def test_a_generator_that_ignores_the_label_fails_both_scores(digits_setup):
    held_out = digits_setup.held_out
    scores = gan_train_test(StandInGenerator(held_out, faithful=False), digits_setup.classifier, held_out,
                            per_class=20, steps=80)
    assert scores["gan_test"] < 0.2 and scores["gan_train"] < 0.3  # ~1/10: only class 0 is right
    assert scores["per_class"]["0"]["gan_test"] > 0.85 and scores["per_class"]["5"]["gan_test"] < 0.1
    assert scores["real"] > 0.85  # the classifier itself is fine


def test_cli_classify_train_writes_a_classifier_that_knows_the_classes(tmp_path, capsys):
    out = tmp_path / "digits.safetensors"
    assert main(["classify", "train", "--data", "sklearn:digits", "--size", "16", "--steps", "60",
                 "--width", "8", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "held-out accuracy" in printed and str(out) in printed
    classifier = load_classifier(out)
    assert classifier.info.class_names == [str(d) for d in range(10)] and classifier.info.held_out_accuracy > 0.3


def test_cli_classify_refuses_unlabelled_data_and_unconditional_runs(digits_run, tmp_path, capsys):
    (tmp_path / "flat").mkdir()
    from tests.conftest import write_image

    for i in range(4):
        write_image(tmp_path / "flat" / f"{i}.png", seed=i)
    assert main(["classify", "train", "--data", str(tmp_path / "flat"), "--size", "16", "--quiet"]) == 2
    assert "no class labels" in capsys.readouterr().err
    assert main(["classify", "test", str(digits_run), "--quiet"]) == 2
    assert "conditional model" in capsys.readouterr().err


def test_per_class_scores_find_the_classes_a_generator_gets_wrong(digits_setup):
    from dataclasses import replace

    from artgan.evaluation.evaluate import per_class_scores

    faithful = per_class_scores(replace(digits_setup, model=StandInGenerator(digits_setup.held_out)), 30)
    collapsed = per_class_scores(replace(digits_setup, model=StandInGenerator(digits_setup.held_out, False)), 30)
    assert set(faithful) == set(digits_setup.held_out.class_names)
    for name in faithful:  # other real held-out digits of the right class: near their own ceiling, whose FID
        assert faithful[name]["fid"] < 2 * faithful[name]["fid_ceiling"]  # on 30 images moves up to 2x by class
        assert faithful[name]["precision"] > 0.5
    mean = lambda key: sum(row[key] for row in faithful.values()) / len(faithful)  # noqa: E731
    assert mean("fid") < 1.2 * mean("fid_ceiling")
    # Drawing a 0 for every class is fine for class 0 only.
    assert collapsed["0"]["fid"] == pytest.approx(faithful["0"]["fid"], rel=0.01)
    assert all(collapsed[name]["fid"] > 5 * faithful[name]["fid"] for name in faithful if name != "0")


class OneImagePerClass(StandInGenerator):
    """Draws the same real digit of the requested class for every noise vector: recognisable, no variety."""

    def __call__(self, z, labels):
        firsts = {c: torch.nonzero(self.pool.labels == c).flatten()[0] for c in set(labels.tolist())}
        return torch.stack([self.pool.images[firsts[c]] for c in labels.tolist()])


def test_per_class_variety_tells_a_generator_collapsed_within_each_class_from_a_varied_one(digits_setup):
    from dataclasses import replace

    from artgan.evaluation.evaluate import format_per_class, per_class_scores
    from artgan.evaluation.variety import mean_over_classes

    varied = mean_over_classes(per_class_scores(replace(digits_setup, model=StandInGenerator(digits_setup.held_out)), 30))
    collapsed = mean_over_classes(per_class_scores(replace(digits_setup, model=OneImagePerClass(digits_setup.held_out)), 30))
    assert varied["accuracy"] > 0.85 and collapsed["accuracy"] > 0.85  # class accuracy cannot tell them apart
    assert varied["recall"] > 0.5 and collapsed["recall"] < 0.2
    assert varied["coverage"] > 0.5 and collapsed["coverage"] < 0.2
    assert varied["diversity"] > 0.8 and collapsed["diversity"] == pytest.approx(0.0, abs=1e-6)
    rows = per_class_scores(replace(digits_setup, model=OneImagePerClass(digits_setup.held_out)), 30)
    assert "diversity" in format_per_class(rows).splitlines()[0] and len(format_per_class(rows).splitlines()) == 11

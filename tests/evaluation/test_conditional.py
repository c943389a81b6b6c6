"""Evaluation of the conditional variants: ACGAN's two-head D, cDCGAN's label-taking D, CAN's style head."""

import shutil

import pytest
from PIL import Image

from artgan.cli import main
from artgan.evaluation.evaluate import evaluate, prepare
from artgan.evaluation.ranking import load_discriminator, rank_samples
from artgan.evaluation.report import write_report
from artgan.generation import load_generator
from tests.evaluation.conftest import train_tiny


@pytest.fixture(scope="module")
def runs(tmp_path_factory, digits_run, digits_setup):
    """Tiny acgan, cdcgan and can runs on digits, each given the session's digits classifier."""
    root = tmp_path_factory.mktemp("conditional")
    trained = {}
    for model in ("acgan", "cdcgan", "can"):
        run = train_tiny(root, model, steps=60).path
        (run / "evaluation").mkdir()
        shutil.copy(digits_run / "evaluation" / "classifier.safetensors", run / "evaluation")
        trained[model] = run
    return trained


@pytest.mark.parametrize("model", ["acgan", "cdcgan", "can"])
def test_ranking_works_with_every_conditional_discriminator(runs, model):
    generator = load_generator(runs[model])
    pairs = rank_samples(generator, load_discriminator(runs[model], generator), n=20, k=3)
    expected = 10 if generator.conditional else 1  # one pair per class for a conditional G (CAN's G is not)
    assert len(pairs) == expected
    for top, bottom in pairs:
        assert top.images.shape == (3, 1, 16, 16) and top.scores.min() >= bottom.scores.max()
        assert ((0 <= top.scores) & (top.scores <= 1)).all()
    if generator.conditional:
        assert [top.label for top, _ in pairs] == generator.class_names


def test_evaluate_a_conditional_run_adds_per_class_figures_gan_train_test_and_the_class_grid(runs):
    setup = prepare(runs["acgan"], classifier_steps=60)
    result = evaluate(runs["acgan"], n=100, setup=setup)
    assert set(result["per_class"]) == set(setup.model.class_names)
    assert all(row["fid"] > 0 and "fid_ceiling" in row for row in result["per_class"].values())
    scores = result["gan_train_test"]
    assert 0 <= scores["gan_test"] <= 1 and 0 <= scores["gan_train"] <= 1 and scores["real"] > 0.85
    page = write_report(runs["acgan"], setup, result).read_text()
    for heading in ("Same noise, every class", "Per class", "GAN-train and GAN-test (Shmelkov et al. 2018)"):
        assert f"<h2>{heading}</h2>" in page


def test_show_classes_draws_one_row_per_class(runs, tmp_path):
    out = tmp_path / "classes.png"
    assert main(["show", str(runs["cdcgan"]), "classes", "--per-class", "5", "--out", str(out)]) == 0
    with Image.open(out) as picture:  # 10 rows of enlarged 16 px tiles, each with its caption strip
        assert picture.height == 10 * (4 + 64 + 4 + 16) and picture.width == 96 + 4 + 5 * 68


def test_classify_test_on_a_conditional_run(runs, capsys):
    assert main(["classify", "test", str(runs["cdcgan"]), "--per-class", "10", "--steps", "30", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "GAN-test" in out and "all classes" in out
    assert (runs["cdcgan"] / "evaluation" / "gan_train_test.json").is_file()

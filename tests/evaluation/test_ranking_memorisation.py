import pytest
import torch
from torch import nn

from artgan.data import to_float
from artgan.evaluation.features import Features
from artgan.evaluation.memorisation import memorisation_check, nearest_neighbours
from artgan.evaluation.ranking import discriminator_scores, load_discriminator, rank_samples, top_and_bottom


class TwoHeadD(nn.Module):
    """Like ACGAN/CAN: returns (real/fake logits, class logits); the logit is the mean pixel plus the label."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Linear(1, 1)

    def forward(self, x, labels=None):
        logits = x.mean((1, 2, 3)) + (labels.float() if labels is not None else 0)
        return logits, torch.zeros(len(x), 3)


def test_scores_take_the_real_fake_logit_of_two_head_discriminators_and_pass_labels():
    images = torch.tensor([0, 128, 255], dtype=torch.uint8).view(3, 1, 1, 1).expand(3, 1, 4, 4)
    expected = torch.sigmoid(to_float(images).mean((1, 2, 3)))
    assert torch.allclose(discriminator_scores(TwoHeadD(), images, batch=2), expected)
    labelled = discriminator_scores(TwoHeadD(), images, torch.tensor([1, 1, 1]))
    assert torch.allclose(labelled, torch.sigmoid(to_float(images).mean((1, 2, 3)) + 1))


def test_top_and_bottom_by_hand():
    images = torch.arange(5, dtype=torch.uint8).view(5, 1, 1, 1)
    top, bottom = top_and_bottom(images, torch.tensor([0.1, 0.9, 0.5, 0.3, 0.7]), k=2, label="x")
    assert top.images.flatten().tolist() == [1, 4] and top.scores.tolist() == pytest.approx([0.9, 0.7])
    assert bottom.images.flatten().tolist() == [0, 3] and bottom.label == "x"


def test_ranking_a_trained_run_uses_its_discriminator(digits_run):
    from artgan.generation import load_generator

    model = load_generator(digits_run)
    D = load_discriminator(digits_run, model)
    [(top, bottom)] = rank_samples(model, D, n=64, k=5)
    assert top.images.shape == (5, 1, 16, 16) and bottom.images.shape == (5, 1, 16, 16)
    assert top.scores.tolist() == sorted(top.scores.tolist(), reverse=True)
    assert top.scores.min() >= bottom.scores.max()
    with torch.no_grad():  # the scores are exactly sigmoid(D(x)) of the trained D
        direct = torch.sigmoid(D(to_float(top.images)))
    assert torch.allclose(top.scores, direct, atol=1e-5)


def test_nearest_neighbours_by_hand():
    support = torch.tensor([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    distances, indices = nearest_neighbours(torch.tensor([[3.0, 3.0]]), support, k=2)
    assert indices.tolist() == [[1, 0]] and distances[0].tolist() == pytest.approx([1.0, 18 ** 0.5])


def test_memorisation_check_flags_a_copying_generator_and_clears_a_novel_one():
    generator = torch.Generator().manual_seed(0)
    training = torch.randn(200, 8, generator=generator)
    images = torch.arange(200, dtype=torch.uint8).view(200, 1, 1, 1)
    held_out = Features(torch.randn(100, 8, generator=generator))
    copies = memorisation_check(images[:50], Features(training[:50].clone()), held_out, images, Features(training), show=4, k=2)
    assert copies.copy_rate == 1.0 and copies.distances[:, 0].max() == 0
    assert torch.equal(copies.neighbours[:, 0], copies.samples)  # each copy's nearest neighbour is its original
    novel = memorisation_check(images[:50], Features(torch.randn(50, 8, generator=generator)), held_out,
                               images, Features(training), show=4)
    assert novel.copy_rate < 0.1 and novel.samples.shape == (4, 1, 1, 1) and novel.neighbours.shape == (4, 3, 1, 1, 1)


def test_critic_scores_stay_raw_so_they_do_not_saturate():
    images = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1).expand(2, 1, 4, 4)
    raw = discriminator_scores(TwoHeadD(), images, torch.tensor([40, 50]), probability=False)
    assert raw.tolist() == pytest.approx([39.0, 51.0])  # a sigmoid would give 1.0 for both
    top, bottom = top_and_bottom(images, raw, k=1, probability=False)
    assert not top.probability and top.scores.item() == pytest.approx(51.0)


def test_ranking_a_wgan_run_shows_critic_scores(tmp_path):
    from artgan.evaluation.figures import ranking_figure
    from artgan.generation import load_generator
    from tests.evaluation.conftest import train_tiny

    run = train_tiny(tmp_path, "wgan", steps=4).path
    model = load_generator(run)
    [(top, bottom)] = rank_samples(model, load_discriminator(run, model), n=16, k=3)
    assert not top.probability and top.scores.min() >= bottom.scores.max()
    assert ranking_figure([(top, bottom)]).height > 0

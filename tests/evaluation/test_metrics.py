"""Every formula on inputs whose answer is known by hand or by a property of the metric."""

import numpy as np
import pytest
import torch
from scipy import linalg

from artgan.evaluation.metrics import (density_coverage, fid, frechet_distance, gaussian_statistics, inception_score,
                                       kid, mean_pairwise_distance, mmd2_unbiased, precision_recall)


def test_frechet_distance_of_1d_gaussians_is_mean_gap_squared_plus_std_gap_squared():
    # Fréchet distance of N(m1, s1^2) and N(m2, s2^2): (m1 - m2)^2 + (s1 - s2)^2.
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx((1 - 3) ** 2 + (2 - 3) ** 2)


def test_frechet_distance_of_diagonal_gaussians_by_hand():
    mu1, mu2 = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    s1, s2 = np.diag([1.0, 4.0]), np.diag([4.0, 16.0])
    # |mu1 - mu2|^2 = 1; trace term = (1 - 2)^2 + (2 - 4)^2 = 5
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(6.0)


def test_frechet_distance_matches_the_matrix_square_root_formula():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 6)), rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 0.5
    (mu1, s1), (mu2, s2) = gaussian_statistics(a), gaussian_statistics(b)
    reference = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert fid(a, b) == pytest.approx(reference, rel=1e-6)


def test_fid_is_zero_on_itself_symmetric_and_grows_with_a_shift():
    x = np.random.default_rng(1).normal(size=(500, 8))
    y = np.random.default_rng(2).normal(size=(500, 8))
    assert fid(x, x) == pytest.approx(0.0, abs=1e-8)
    assert fid(x, y) == pytest.approx(fid(y, x))
    assert fid(x, y) < fid(x, y + 0.5) < fid(x, y + 1.0)
    assert fid(x, y + 1.0) == pytest.approx(fid(x, y) + 8, rel=0.05)  # a shift of 1 in 8 dims adds ~8


def test_unbiased_mmd_by_hand():
    x, y = np.array([[0.0], [1.0]]), np.array([[2.0], [3.0]])
    # k(a, b) = (a b + 1)^3 in one dimension.
    within_x = 1.0  # k(0, 1), the only off-diagonal pair
    within_y = 343.0  # k(2, 3) = 7^3
    across = (1 + 1 + 27 + 64) / 4  # k(0,2), k(0,3), k(1,2), k(1,3)
    assert mmd2_unbiased(x, y) == pytest.approx(within_x + within_y - 2 * across)


def test_kid_is_near_zero_and_can_be_negative_for_one_distribution_but_not_for_two():
    rng = np.random.default_rng(3)
    values = [kid(rng.normal(size=(100, 4)), rng.normal(size=(100, 4)), subsets=5, seed=s)[0] for s in range(10)]
    assert abs(np.mean(values)) < 0.05 and min(values) < 0  # unbiased: centred on zero
    same, _ = kid(rng.normal(size=(200, 4)), rng.normal(size=(200, 4)), subsets=20)
    shifted, _ = kid(rng.normal(size=(200, 4)), rng.normal(size=(200, 4)) + 1, subsets=20)
    assert shifted > 0.5 > abs(same)


def test_inception_score_is_the_class_count_for_confident_balanced_predictions_and_one_when_collapsed():
    confident = torch.eye(5).repeat(20, 1) * 50  # 100 samples, each sure of one class, classes balanced
    assert inception_score(confident, splits=1)[0] == pytest.approx(5.0, rel=1e-6)
    assert inception_score(torch.eye(5)[[2] * 100] * 50, splits=1)[0] == pytest.approx(1.0)  # mode collapse
    assert inception_score(torch.zeros(100, 5), splits=1)[0] == pytest.approx(1.0)  # no confidence
    mean, std = inception_score(confident, splits=4)
    assert mean == pytest.approx(5.0) and std == pytest.approx(0.0, abs=1e-9)


def test_precision_recall_by_hand():
    real = np.arange(10.0)[:, None]  # k=1 balls of radius 1 around 0..9
    fake = np.array([[0.5], [1.5], [100.0], [101.0]])  # k=1 radii: 1 each
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(2 / 4)  # 0.5 and 1.5 lie in the real manifold, 100 and 101 do not
    assert recall == pytest.approx(3 / 10)  # reals 0, 1, 2 are within 1 of a fake; 3..9 are not


def test_precision_recall_separate_fidelity_from_diversity():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(400, 2))
    assert precision_recall(real, real) == (1.0, 1.0)
    collapsed = real[:40] * 0.2  # faithful but covering only the centre
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.4


def test_density_coverage_by_hand():
    real = np.arange(10.0)[:, None]  # k=1 balls of radius 1 around 0..9
    fake = np.array([[0.5], [0.6], [100.0], [101.0]])
    density, coverage = density_coverage(real, fake, k=1)
    assert density == pytest.approx((2 + 2 + 0 + 0) / (1 * 4))  # 0.5 and 0.6 each lie in the balls of 0 and 1
    assert coverage == pytest.approx(2 / 10)  # only the balls of 0 and 1 hold a fake


def test_density_coverage_tell_a_collapsed_set_from_a_varied_one_and_ignore_fake_outliers():
    rng = np.random.default_rng(5)
    real, fresh = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    density, coverage = density_coverage(real, fresh)
    assert 0.8 < density < 1.2 and coverage > 0.9  # Naeem et al.: both about 1 for matching distributions
    collapsed = np.repeat(real[:1] * 0.0, 500, axis=0)  # every fake the same central point
    density, coverage = density_coverage(real, collapsed)
    assert coverage < 0.05  # faithful (it sits at the mode) but covers almost none of the reals
    with_outliers = np.concatenate([fresh, np.full((500, 2), 50.0)])  # half the fakes far away
    assert density_coverage(real, with_outliers)[0] == pytest.approx(density_coverage(real, fresh)[0] / 2, rel=0.01)


def test_mean_pairwise_distance_by_hand():
    assert mean_pairwise_distance(np.array([[0.0], [3.0], [3.0]])) == pytest.approx((3 + 3 + 0) / 3)
    assert mean_pairwise_distance(np.zeros((5, 4))) == 0.0


def test_metrics_refuse_too_few_features():
    with pytest.raises(ValueError):
        fid(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)), k=3)
    with pytest.raises(ValueError):
        density_coverage(np.zeros((5, 2)), np.zeros((10, 2)), k=5)

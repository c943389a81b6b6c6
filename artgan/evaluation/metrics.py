"""Sample-quality metrics on feature vectors: FID, KID, Inception Score, precision/recall, density/coverage.

Every function takes features (N, D) already extracted by a network (Inception-v3 for the
standard figures, the run's own domain classifier offline), so the formulas are tested on
known inputs without any network. Computation is in float64: FID subtracts nearly equal traces.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_float64(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be (N, D), got shape {x.shape}")
    return x


def gaussian_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of (N, D) features, the Gaussian FID fits to each set."""
    x = _as_float64(features)
    if len(x) < 2:
        raise ValueError("FID needs at least 2 feature vectors per set")
    return x.mean(0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between two Gaussians (Dowson & Landau 1982),
    the Fréchet Inception Distance of Heusel et al. 2017, GANs Trained by a Two Time-Scale Update Rule.

    Tr (S1 S2)^(1/2) is the sum of the square roots of the eigenvalues of S1 S2, which are real and
    non-negative for covariance matrices; rounding can make tiny ones negative, hence the clip.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    eigenvalues = np.linalg.eigvals(sigma1 @ sigma2).real.clip(min=0)
    trace_sqrt = np.sqrt(eigenvalues).sum()
    distance = ((mu1 - mu2) ** 2).sum() + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt
    return float(max(distance, 0.0))


def fid(real_features, fake_features) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017)."""
    return frechet_distance(*gaussian_statistics(real_features), *gaussian_statistics(fake_features))


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (x.y / d + 1)^3, the kernel KID uses (Binkowski et al. 2018)."""
    return (x @ y.T / x.shape[1] + 1) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased estimate of the squared maximum mean discrepancy (Gretton et al. 2012, eq. 3):
    the diagonals k(x_i, x_i) are left out of the within-set means, so E[estimate] = MMD^2 exactly
    and it can be slightly negative when the sets match."""
    m, n = len(x), len(y)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


def kid(real_features, fake_features, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (Binkowski et al. 2018, Demystifying MMD GANs): mean and standard
    deviation of the unbiased MMD^2 over random subsets. Unlike FID it is unbiased in the number of
    samples, so small evaluation sets compare fairly."""
    x, y = _as_float64(real_features), _as_float64(fake_features)
    size = min(subset_size, len(x), len(y))
    if size < 2:
        raise ValueError("KID needs at least 2 feature vectors per set")
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


def inception_score(logits, splits: int = 10) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))) (Salimans et al. 2016, Improved Techniques for Training GANs):
    high when each sample is confidently one class and the classes are evenly covered; at most the
    number of classes. Mean and standard deviation over ``splits`` disjoint parts, as in the paper."""
    logits = torch.as_tensor(logits).double()
    log_p = torch.log_softmax(logits, dim=1)
    scores = []
    for part in torch.tensor_split(log_p, min(splits, len(log_p))):
        log_marginal = torch.logsumexp(part, 0) - np.log(len(part))
        kl = (part.exp() * (part - log_marginal)).sum(1).mean()
        scores.append(kl.exp().item())
    return float(np.mean(scores)), float(np.std(scores))


def _kth_neighbour_radii(x: torch.Tensor, k: int, chunk: int = 1024) -> torch.Tensor:
    """Distance from each point to its k-th nearest other point of the same set."""
    radii = []
    for start in range(0, len(x), chunk):
        distances = torch.cdist(x[start:start + chunk], x)
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # +1: the point itself is at distance 0
    return torch.cat(radii)


def _inside_manifold(points: torch.Tensor, support: torch.Tensor, radii: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """For each point: is it inside at least one ball around ``support`` with the given radii?"""
    inside = []
    for start in range(0, len(points), chunk):
        distances = torch.cdist(points[start:start + chunk], support)
        inside.append((distances <= radii[None, :]).any(dim=1))
    return torch.cat(inside)


def precision_recall(real_features, fake_features, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
    balls reaching every point's k-th nearest neighbour; precision is the share of fakes inside the
    real manifold (fidelity), recall the share of reals inside the fake manifold (diversity)."""
    real = torch.as_tensor(_as_float64(real_features))
    fake = torch.as_tensor(_as_float64(fake_features))
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} feature vectors per set")
    precision = _inside_manifold(fake, real, _kth_neighbour_radii(real, k)).double().mean().item()
    recall = _inside_manifold(real, fake, _kth_neighbour_radii(fake, k)).double().mean().item()
    return precision, recall


def density_coverage(real_features, fake_features, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020, Reliable Fidelity and Diversity Metrics for
    Generative Models), built on the real balls alone, so one outlier fake cannot inflate them:
    density is the mean number of real balls (radius: that real point's k-th neighbour) a fake
    falls in, divided by k (about 1 for matching sets, above 1 where fakes crowd dense regions);
    coverage is the share of real points whose ball holds at least one fake (variety)."""
    real = torch.as_tensor(_as_float64(real_features))
    fake = torch.as_tensor(_as_float64(fake_features))
    if len(real) <= k or len(fake) < 1:
        raise ValueError(f"density/coverage with k={k} needs more than {k} real feature vectors and one fake")
    radii = _kth_neighbour_radii(real, k)
    hits = torch.zeros(len(real), dtype=torch.float64)  # fakes inside each real ball
    balls_per_fake = []
    for start in range(0, len(fake), 1024):
        inside = torch.cdist(fake[start:start + 1024], real) <= radii[None, :]
        balls_per_fake.append(inside.double().sum(1))
        hits += inside.double().sum(0)
    density = torch.cat(balls_per_fake).mean().item() / k
    coverage = (hits > 0).double().mean().item()
    return density, coverage


def mean_pairwise_distance(features) -> float:
    """Mean Euclidean distance between distinct pairs of a set: its spread. Divided by a real set's
    spread it is the diversity ratio (1 = as varied as the data, 0 = one image repeated)."""
    x = torch.as_tensor(_as_float64(features))
    if len(x) < 2:
        raise ValueError("a spread needs at least 2 feature vectors")
    distances = torch.cdist(x, x)
    return (distances.sum() / (len(x) * (len(x) - 1))).item()

import math

import torch

from artgan.visual.latent import lerp, slerp


def test_slerp_hits_both_ends_and_keeps_the_norm_of_orthogonal_unit_vectors():
    a = torch.tensor([[1.0, 0.0, 0.0]])
    b = torch.tensor([[0.0, 1.0, 0.0]])
    path = slerp(a, b, torch.linspace(0, 1, 5))[0]
    assert torch.allclose(path[0], a[0], atol=1e-6) and torch.allclose(path[-1], b[0], atol=1e-6)
    assert torch.allclose(path.norm(dim=-1), torch.ones(5), atol=1e-5)  # stays on the sphere
    assert torch.allclose(path[2], torch.tensor([math.sqrt(0.5), math.sqrt(0.5), 0.0]), atol=1e-6)


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    a = torch.tensor([[1.0, 2.0]])
    t = torch.linspace(0, 1, 3)
    assert torch.allclose(slerp(a, 2 * a, t), lerp(a, 2 * a, t), atol=1e-6)


def test_lerp_midpoint_of_opposite_vectors_is_zero_but_slerp_is_not():
    a = torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([0.5])
    assert torch.allclose(lerp(a, -a, t), torch.zeros(4, 1, 16), atol=1e-6)
    b = torch.randn(4, 16, generator=torch.Generator().manual_seed(1))
    assert (slerp(a, b, t).norm(dim=-1) > lerp(a, b, t).norm(dim=-1)).all()  # no dip through the middle

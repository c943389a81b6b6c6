"""Shapes and the DCGAN recipe at every supported size, for 1 and 3 channels."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from artgan.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


@pytest.mark.parametrize("size", [16, 32, 64, 128, 256])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes_at_every_size(size, channels):
    G = DCGANGenerator(latent_dim=10, channels=channels, size=size, width=4)
    D = DCGANDiscriminator(channels=channels, size=size, width=4)
    images = G(torch.randn(2, 10))
    assert images.shape == (2, channels, size, size)
    assert images.abs().max() <= 1.0  # tanh output
    assert D(images).shape == (2,)


def test_dcgan_follows_radford_et_al():
    G = DCGANGenerator(latent_dim=100, channels=3, size=64, width=64)
    D = DCGANDiscriminator(channels=3, size=64, width=64)
    # The textbook 64x64 DCGAN has exactly these parameter counts (pytorch/examples dcgan).
    assert sum(p.numel() for p in G.parameters()) == 3_576_704
    assert sum(p.numel() for p in D.parameters()) == 2_765_568
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in D.modules())  # strided convs only
    assert isinstance(G.net[-1], nn.Tanh) and any(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in D.modules())
    convs = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(convs.std().item() - 0.02) < 0.002 and abs(convs.mean().item()) < 0.001


def test_extra_layers_add_depth_and_width_scales_channels():
    shallow = DCGANGenerator(10, 3, 32, width=8)
    deep = DCGANGenerator(10, 3, 32, width=8, extra_layers=2)
    wide = DCGANGenerator(10, 3, 32, width=16)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(deep) > count(shallow) and count(wide) > count(shallow)
    assert deep(torch.randn(2, 10)).shape == (2, 3, 32, 32)


@pytest.mark.parametrize("norm", ["batch", "layer", "instance", "none"])
def test_discriminator_normalisations(norm):
    D = DCGANDiscriminator(3, 32, width=8, norm=norm)
    assert D(torch.randn(3, 3, 32, 32)).shape == (3,)
    has_batch_norm = any(isinstance(m, nn.BatchNorm2d) for m in D.modules())
    assert has_batch_norm == (norm == "batch")


def test_mlp_gan_shapes_and_dropout():
    G = MLPGenerator(latent_dim=10, channels=1, size=16, hidden=32, layers=2)
    D = MLPDiscriminator(channels=1, size=16, hidden=32, layers=2, dropout=0.3)
    images = G(torch.randn(4, 10))
    assert images.shape == (4, 1, 16, 16) and D(images).shape == (4,)
    assert sum(isinstance(m, nn.Dropout) for m in D.modules()) == 2

"""The fully-connected GAN of the first report (after Goodfellow et al. 2014).

Images are flattened; both networks are stacks of linear layers. The report's discriminator used
dropout, which is an option here.
"""

from __future__ import annotations

import torch
from torch import nn

from artgan.models.dcgan import init_dcgan_weights


class MLPGenerator(nn.Module):
    def __init__(self, latent_dim: int, channels: int, size: int, hidden: int = 512, layers: int = 3):
        super().__init__()
        self.latent_dim = latent_dim
        self.shape = (channels, size, size)
        widths = [latent_dim] + [hidden] * layers
        blocks: list[nn.Module] = []
        for w_in, w_out in zip(widths, widths[1:]):
            blocks += [nn.Linear(w_in, w_out), nn.BatchNorm1d(w_out), nn.ReLU(True)]
        blocks += [nn.Linear(widths[-1], channels * size * size), nn.Tanh()]
        self.net = nn.Sequential(*blocks)
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z.flatten(1)).view(-1, *self.shape)


class MLPDiscriminator(nn.Module):
    def __init__(self, channels: int, size: int, hidden: int = 512, layers: int = 3, dropout: float = 0.0):
        super().__init__()
        widths = [channels * size * size] + [hidden] * layers
        blocks: list[nn.Module] = []
        for w_in, w_out in zip(widths, widths[1:]):
            blocks += [nn.Linear(w_in, w_out), nn.LeakyReLU(0.2, True)]
            if dropout > 0:
                blocks.append(nn.Dropout(dropout))
        self.features = nn.Sequential(nn.Flatten(), *blocks)
        self.feature_dim = widths[-1]
        self.head = nn.Linear(widths[-1], 1)
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x)).flatten()

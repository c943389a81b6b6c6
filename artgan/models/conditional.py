"""Class-conditional networks: the second report's label-map cDCGAN, a G with class-conditional
batch norm, the projection discriminator, and the two-head discriminator that AC-GAN and CAN put
on the DCGAN trunk.

Labels are class indices (N,); each network turns them into what it needs (one-hot maps, an
embedding), so the trainer only ever passes ``(images or z, labels)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from artgan.models.dcgan import (DCGANDiscriminator, DCGANGenerator, generator_convs, init_dcgan_weights, norm_layer,
                                 stage_widths)


def one_hot_maps(labels: torch.Tensor, num_classes: int, size: int, like: torch.Tensor) -> torch.Tensor:
    """(N,) class indices -> (N, K, size, size): plane k is all ones for class k, zeros elsewhere."""
    maps = F.one_hot(labels, num_classes).to(like.dtype).view(-1, num_classes, 1, 1)
    return maps.expand(-1, -1, size, size)


def up_block(w_in: int, w_out: int) -> list[nn.Module]:
    return [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=False), nn.BatchNorm2d(w_out), nn.ReLU(True)]


def down_block(w_in: int, w_out: int, norm: str) -> list[nn.Module]:
    return [nn.Conv2d(w_in, w_out, 4, 2, 1, bias=False), norm_layer(norm, w_out), nn.LeakyReLU(0.2, True)]


class LabelMapGenerator(nn.Module):
    """cDCGAN generator as the second report built it: z and the one-hot label each go through their
    own first transposed conv to a 4x4 map of half the width; the two maps are concatenated and
    grown by the usual DCGAN blocks (after Mirza & Osindero 2014 and Radford et al. 2016)."""

    def __init__(self, latent_dim: int, num_classes: int, channels: int, size: int, width: int = 64,
                 extra_layers: int = 0):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        widths = stage_widths(size, width)
        half = widths[0] // 2
        self.z_stem = nn.Sequential(nn.ConvTranspose2d(latent_dim, half, 4, 1, 0, bias=False), nn.BatchNorm2d(half), nn.ReLU(True))
        self.label_stem = nn.Sequential(nn.ConvTranspose2d(num_classes, widths[0] - half, 4, 1, 0, bias=False),
                                        nn.BatchNorm2d(widths[0] - half), nn.ReLU(True))
        layers: list[nn.Module] = []
        for w_in, w_out in zip(widths, widths[1:]):
            layers += up_block(w_in, w_out)
        for _ in range(extra_layers):
            layers += [nn.Conv2d(widths[-1], widths[-1], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[-1]), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        z = z.view(z.shape[0], -1, 1, 1)
        label_input = one_hot_maps(labels, self.num_classes, 1, like=z)
        return self.body(torch.cat([self.z_stem(z), self.label_stem(label_input)], 1))


class OneHotGenerator(nn.Module):
    """The DCGAN generator fed [z; one-hot(label)], as AC-GAN's G takes both (Odena et al. 2017).

    Unlike the label-map G, z and the label meet in the very first layer, so G cannot serve a class
    by ignoring z: with AC-GAN's class loss the label-map G collapsed to one digit per class.
    """

    def __init__(self, latent_dim: int, num_classes: int, channels: int, size: int, width: int = 64,
                 extra_layers: int = 0):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.net = DCGANGenerator(latent_dim, channels, size, width, extra_layers, extra_inputs=num_classes)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z.flatten(1), F.one_hot(labels, self.num_classes).to(z.dtype)], 1))


class ClassBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift are looked up for each image's class (de Vries et al. 2017,
    conditional batch norm; the G of Miyato & Koyama 2018 and of BigGAN).

    The statistics are the batch's, over every class, as in plain batch norm (so distributed
    training and EMA's standing statistics treat it as one); only the affine part is per class.
    """

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.scale = nn.Embedding(num_classes, channels)
        self.shift = nn.Embedding(num_classes, channels)
        nn.init.normal_(self.scale.weight, 1.0, 0.02)  # as init_dcgan_weights draws batch norm's scales
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        scale = self.scale(labels).to(x.dtype)[:, :, None, None]
        shift = self.shift(labels).to(x.dtype)[:, :, None, None]
        return self.norm(x) * scale + shift


class ClassNormGenerator(nn.Module):
    """The one-hot G whose every batch norm is a class's own (``ClassBatchNorm2d``).

    z and the label still meet in the first layer, as in ``OneHotGenerator``; the label then also
    sets every block's scale and shift, so the class reaches the last layers directly instead of
    only through what the first layer kept of it.
    """

    def __init__(self, latent_dim: int, num_classes: int, channels: int, size: int, width: int = 64,
                 extra_layers: int = 0):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        widths = stage_widths(size, width)
        self.convs = nn.ModuleList(generator_convs(latent_dim + num_classes, widths, extra_layers))
        self.norms = nn.ModuleList(ClassBatchNorm2d(conv.out_channels, num_classes) for conv in self.convs)
        self.to_image = nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False)
        self.apply(init_dcgan_weights)  # the convolutions: ClassBatchNorm2d draws its own scales and shifts

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        one_hot = F.one_hot(labels, self.num_classes).to(z.dtype)
        x = torch.cat([z.flatten(1), one_hot], 1)[:, :, None, None]
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x), labels))
        return torch.tanh(self.to_image(x))


class LabelMapDiscriminator(nn.Module):
    """cDCGAN discriminator of the second report: the image and K one-hot label planes each go through
    their own first strided conv; the halves are concatenated and judged by the DCGAN trunk."""

    def __init__(self, channels: int, num_classes: int, size: int, width: int = 64, extra_layers: int = 0,
                 norm: str = "batch"):
        super().__init__()
        self.num_classes, self.size = num_classes, size
        widths = stage_widths(size, width)[::-1]
        half = widths[0] // 2
        self.image_stem = nn.Sequential(nn.Conv2d(channels, half, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True))
        self.label_stem = nn.Sequential(nn.Conv2d(num_classes, widths[0] - half, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True))
        layers: list[nn.Module] = []
        for _ in range(extra_layers):
            layers += [nn.Conv2d(widths[0], widths[0], 3, 1, 1, bias=False), norm_layer(norm, widths[0]), nn.LeakyReLU(0.2, True)]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += down_block(w_in, w_out, norm)
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(widths[-1], 1, 4, 1, 0, bias=False)
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        maps = one_hot_maps(labels, self.num_classes, x.shape[-1], like=x)
        features = torch.cat([self.image_stem(x), self.label_stem(maps)], 1)
        return self.head(self.body(features)).flatten()


class ProjectionDiscriminator(nn.Module):
    """D(x, y) = psi(phi(x)) + <embed(y), sum-pooled phi(x)> (Miyato & Koyama 2018, cGANs with Projection
    Discriminator): the label enters as an inner product with the features instead of as input planes.

    With ``class_head=True`` it also has AC-GAN's K-way class head on the same features (the "PD + AC"
    discriminator of Kang et al. 2021, ReACGAN): ``D(x, y, with_classes=True)`` returns its logits too.
    """

    def __init__(self, channels: int, num_classes: int, size: int, width: int = 64, extra_layers: int = 0,
                 norm: str = "batch", class_head: bool = False):
        super().__init__()
        self.trunk = DCGANDiscriminator(channels, size, width, extra_layers, norm=norm)
        feature_channels = self.trunk.head.in_channels
        self.embed = nn.Embedding(num_classes, feature_channels)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)
        self.class_head = nn.Linear(self.trunk.feature_dim, num_classes) if class_head else None
        if self.class_head is not None:
            init_dcgan_weights(self.class_head)

    def forward(self, x: torch.Tensor, labels: torch.Tensor, with_classes: bool = False):
        features = self.trunk.features(x)
        projection = (self.embed(labels).to(features.dtype) * features.sum((2, 3))).sum(1)
        logits = self.trunk.head(features).flatten() + projection
        if not with_classes:
            return logits
        if self.class_head is None:
            raise ValueError("this discriminator was built without a class head")
        return logits, self.class_head(features.flatten(1))


class TwoHeadDiscriminator(nn.Module):
    """The DCGAN trunk with a real/fake head and a K-way class head on the same features: AC-GAN's
    auxiliary classifier (Odena et al. 2017) and CAN's style classifier (Elgammal et al. 2017).

    ``D(x)`` is the real/fake logit like any other D (so penalties and augmentations need not know);
    ``D(x, with_classes=True)`` also returns the class logits from the same forward pass. With
    ``twin=True`` it has a second class head, TAC-GAN's (Gong et al. 2019): ``D(x, with_twin=True)``
    returns its logits too, as a third output.
    """

    def __init__(self, channels: int, num_classes: int, size: int, width: int = 64, extra_layers: int = 0,
                 norm: str = "batch", twin: bool = False):
        super().__init__()
        self.trunk = DCGANDiscriminator(channels, size, width, extra_layers, norm=norm)
        self.class_head = nn.Linear(self.trunk.feature_dim, num_classes)
        init_dcgan_weights(self.class_head)
        self.twin_head = nn.Linear(self.trunk.feature_dim, num_classes) if twin else None
        if self.twin_head is not None:
            init_dcgan_weights(self.twin_head)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, with_classes: bool = False,
                with_twin: bool = False):
        features = self.trunk.features(x)
        logits = self.trunk.head(features).flatten()
        if not (with_classes or with_twin):
            return logits
        flat = features.flatten(1)
        if not with_twin:
            return logits, self.class_head(flat)
        if self.twin_head is None:
            raise ValueError("this discriminator was built without a twin class head")
        return logits, self.class_head(flat), self.twin_head(flat)

"""FastGAN's networks: shapes at every size, skip-layer excitation, D's reconstructions, conditioning."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from artgan.models.fastgan import (SIZES, FastGANDiscriminator, FastGANGenerator, SkipLayerExcitation,
                                   discriminator_skips, generator_skips, image_quarter)


# Every size, both channel counts, conditional and not (not every combination: seconds, not minutes).
CASES = [(16, 1, 0), (32, 3, 0), (32, 1, 3), (64, 3, 3), (128, 1, 0), (256, 3, 3)]


def test_cases_cover_every_size():
    assert {size for size, _, _ in CASES} == set(SIZES)


@pytest.mark.parametrize("size, channels, num_classes", CASES)
def test_shapes_and_reconstructions_at_every_size(size, channels, num_classes):
    torch.set_num_threads(1)
    G = FastGANGenerator(latent_dim=8, channels=channels, size=size, width=2, num_classes=num_classes)
    D = FastGANDiscriminator(channels=channels, size=size, width=2, num_classes=num_classes)
    labels = torch.tensor([0, 2]) if num_classes else None
    with torch.no_grad():
        images = G(torch.randn(2, 8), labels)
    assert images.shape == (2, channels, size, size) and images.abs().max() <= 1
    with torch.no_grad():
        assert D(images, labels).shape == (2, 25)  # 5x5 patch logits from the 8x8 features
        logits, rebuilt = D(images, labels, part=3)
    side = min(size // 2, 128)
    assert logits.shape == (2, 25) and set(rebuilt) == {"whole", "part"}
    for reconstruction, target in rebuilt.values():
        assert reconstruction.shape == target.shape == (2, channels, side, side)
    # The targets are the image D saw: whole, and its bottom-right quarter, at the decoders' side.
    assert torch.allclose(rebuilt["whole"][1], F.interpolate(images, size=side, mode="area"))
    assert torch.allclose(rebuilt["part"][1], F.interpolate(images[..., size // 2:, size // 2:], size=side, mode="area"))


def test_skip_layer_excitation_joins_the_papers_sides():
    assert generator_skips(256) == [(4, 64), (8, 128), (16, 256)] and generator_skips(32) == [(4, 32)]
    assert discriminator_skips(256) == [(64, 8), (128, 16), (256, 32)] and discriminator_skips(32) == [(32, 8)]
    G = FastGANGenerator(latent_dim=8, channels=3, size=128, width=4)
    assert set(G.excite) == {"64", "128"}
    calls = []
    for module in G.excite.values():
        module.register_forward_hook(lambda m, args, out: calls.append(tuple(a.shape[-1] for a in args)))
    G(torch.randn(2, 8))
    assert calls == [(4, 64), (8, 128)]  # the 4x4 map gates the 64x64 one, 8x8 gates 128x128


def test_excitation_is_a_per_channel_gate_from_the_small_map():
    sle = SkipLayerExcitation(small_channels=4, big_channels=6)
    small, big = torch.randn(2, 4, 8, 8), torch.randn(2, 6, 32, 32)
    out = sle(small, big)
    gate = out / big
    assert torch.allclose(gate, gate[..., :1, :1].expand_as(gate), atol=1e-5)  # one factor per channel
    assert ((gate > 0) & (gate < 1)).all()
    assert not torch.allclose(sle(torch.randn(2, 4, 8, 8), big), out)  # the factor comes from the small map


def test_quarters_tile_the_image():
    x = torch.arange(16.0).view(1, 1, 4, 4)
    top = torch.cat([image_quarter(x, 0), image_quarter(x, 1)], -1)
    bottom = torch.cat([image_quarter(x, 2), image_quarter(x, 3)], -1)
    assert torch.equal(torch.cat([top, bottom], -2), x)


def test_decoders_learn_to_rebuild_real_images():
    """A few steps on the reconstruction term alone must cut it: D's features carry the image."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    D = FastGANDiscriminator(channels=3, size=16, width=8)
    images = torch.rand(8, 3, 16, 16) * 2 - 1
    optimizer = torch.optim.Adam(D.parameters(), lr=2e-3)

    def loss(part: int) -> torch.Tensor:
        _, rebuilt = D(images, part=part)
        return sum(F.mse_loss(a, b) for a, b in rebuilt.values())

    before = loss(0).item()
    for step in range(30):
        optimizer.zero_grad()
        loss(step % 4).backward()
        optimizer.step()
    assert loss(0).item() < 0.6 * before


def test_conditional_networks_use_their_labels():
    G = FastGANGenerator(latent_dim=8, channels=3, size=32, width=4, num_classes=3).eval()
    D = FastGANDiscriminator(channels=3, size=32, width=4, num_classes=3).eval()
    with torch.no_grad():
        D.embed.weight.normal_()  # a trained projection: each class has its own direction
    z = torch.randn(1, 8).repeat(3, 1)
    images = G(z, torch.arange(3))
    assert not torch.allclose(images[0], images[1]) and not torch.allclose(images[1], images[2])
    same = images[:1].repeat(3, 1, 1, 1)
    logits = D(same, torch.arange(3))
    assert not torch.allclose(logits[0], logits[1]) and not torch.allclose(logits[1], logits[2])

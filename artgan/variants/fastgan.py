"""FastGAN: Liu, Zhu, Song & Elgammal 2021, the few-shot GAN (skip-layer excitation, self-supervised D).

D's loss is the paper's hinge with randomised margins, max(0, u - D(x)) + max(0, u + D(G(z))) with
u ~ U[0.8, 1], plus the reconstruction of the real image it saw, whole and one random quarter.
The paper measures reconstruction with LPIPS; this uses mean squared error, as lightweight-gan
does: LPIPS needs VGG weights and would cost more per step than the two networks on a CPU.
``cfastgan`` is the same with class labels (G takes a one-hot label, D a projection term).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from artgan.models.fastgan import PARTS, FastGANDiscriminator, FastGANGenerator
from artgan.ranks import per_sample
from artgan.variants.base import LossOutput, Variant, critic_stats
from artgan.variants.losses import hinge_generator_loss
from artgan.variants.registry import register_variant


def randomised_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                          real_margin: torch.Tensor, fake_margin: torch.Tensor) -> torch.Tensor:
    """E[max(0, u - D(x))] + E[max(0, u' + D(G(z)))], u, u' ~ U[0.8, 1] per logit (FastGAN's train.py)."""
    return F.relu(real_margin - real_logits.float()).mean() + F.relu(fake_margin + fake_logits.float()).mean()


def reconstruction_loss(pairs: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """Sum over D's decoders of the mean squared error to the image (or quarter) it rebuilt."""
    return sum(F.mse_loss(rebuilt.float(), target.float()) for rebuilt, target in pairs.values())


@register_variant
class FastGAN(Variant):
    name = "fastgan"
    paper = "Liu et al. 2021, Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image Synthesis"
    real_fake_targets = False

    def build_generator(self):
        m = self.config.model
        return FastGANGenerator(m.latent_dim, self.channels, self.size, m.g_width, self.label_count)

    def build_discriminator(self):
        return FastGANDiscriminator(self.channels, self.size, self.config.model.d_width, self.label_count)

    @property
    def label_count(self) -> int:
        return self.num_classes if self.conditional else 0

    def margins(self, like: torch.Tensor) -> torch.Tensor:
        """The hinge's random margins u ~ U[0.8, 1], one per logit, from the checkpointed generator."""
        drawn = per_sample(lambda n: torch.rand((n, *like.shape[1:]), generator=self.rng), len(like))
        return (0.8 + 0.2 * drawn).to(like.device)

    def discriminator_loss(self, D, real, real_labels, fake, fake_labels) -> LossOutput:
        part = int(torch.randint(0, PARTS, (1,), generator=self.rng))
        real_logits, rebuilt = D(real, real_labels, part=part)
        fake_logits = D(fake, fake_labels)
        adversarial = randomised_hinge_loss(real_logits, fake_logits, self.margins(real_logits), self.margins(fake_logits))
        recon = reconstruction_loss(rebuilt)
        loss = adversarial + recon
        return loss, {"loss_d": adversarial.detach(), "loss_recon": recon.detach(), **critic_stats(real_logits, fake_logits)}

    def generator_loss(self, D, fake, fake_labels) -> LossOutput:
        loss = hinge_generator_loss(D(fake, fake_labels))
        return loss, {"loss_g": loss.detach()}


@register_variant
class ConditionalFastGAN(FastGAN):
    name = "cfastgan"
    paper = "Liu et al. 2021 FastGAN, class-conditional: one-hot label into G, projection D (Miyato & Koyama 2018)"
    conditional = True

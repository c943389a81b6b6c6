"""variants/base.py's contract, checked for every registered variant (a new one is checked too)."""

from __future__ import annotations

import dataclasses
import inspect
import math
from pathlib import Path

import pytest
import torch

import artgan.variants
from artgan.config import SECTIONS, ModelConfig, build_config
from artgan.errors import ArtganError
from artgan.variants import VARIANTS, Variant, variant_options
from artgan.variants.base import DISCRIMINATOR_OUTPUTS

FLAGS = ("conditional", "uses_labels", "penalises_input_gradients", "real_fake_targets")


def tiny_variant(cls: type[Variant], **train) -> Variant:
    config = build_config({"data": {"size": 16}, "model": {"name": cls.name, "g_width": 8, "d_width": 8, "latent_dim": 8},
                           "train": train})
    return cls(config, channels=3, num_classes=3 if cls.conditional or cls.uses_labels else 0)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_is_one_file_registered_by_its_name(name):
    cls = VARIANTS[name]
    source = Path(inspect.getfile(cls))
    assert source.parent == Path(artgan.variants.__file__).parent and cls.name == name and cls.paper
    assert cls.discriminator_loss is not Variant.discriminator_loss and cls.generator_loss is not Variant.generator_loss
    assert all(isinstance(getattr(cls, flag), bool) for flag in FLAGS)
    assert not hasattr(cls, "bce")  # the old name of real_fake_targets: it would be silently ignored


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_defaults_name_real_config_fields(name):
    cls = VARIANTS[name]
    for section, values in cls.defaults.items():
        assert set(values) <= {f.name for f in dataclasses.fields(cls.model_config if section == "model" else SECTIONS[section])}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_own_options_are_declared_in_the_variants_file_and_only_add_fields(name):
    cls = VARIANTS[name]
    assert issubclass(cls.model_config, ModelConfig) and dataclasses.is_dataclass(cls.model_config)
    assert cls.model_config is ModelConfig or cls.model_config.__module__ in {c.__module__ for c in cls.__mro__}
    shared = {f.name: f for f in dataclasses.fields(ModelConfig)}
    for option_field in dataclasses.fields(cls.model_config):
        assert option_field.name not in shared or option_field is shared[option_field.name], option_field.name
        assert option_field.metadata["help"], option_field.name


def test_an_option_several_variants_read_is_declared_once():
    for name, readers in variant_options().items():
        declared = {id(v.model_config.__dataclass_fields__[name]) for v in readers}
        assert len(declared) == 1, (name, [v.name for v in readers])


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_losses_report_the_statistics_the_contract_names(name):
    torch.manual_seed(0)
    variant = tiny_variant(VARIANTS[name])
    G, D = variant.build_generator(), variant.build_discriminator()
    labels = torch.arange(4) % 3 if variant.num_classes else None
    real = torch.rand(4, 3, 16, 16) * 2 - 1
    fake_labels = variant.sample_labels(4, torch.Generator().manual_seed(0), torch.device("cpu"))
    fake = G(torch.randn(4, 8), fake_labels)
    loss_d, stats_d = variant.discriminator_loss(D, real, labels, fake.detach(), fake_labels)
    loss_g, stats_g = variant.generator_loss(D, fake, fake_labels)
    assert "loss_d" in stats_d and "loss_g" in stats_g and "d_real_sign" in stats_d
    probabilities = {"d_real", "d_fake"} <= set(stats_d)
    assert probabilities == variant.real_fake_targets or {"critic_real", "critic_fake"} <= set(stats_d)
    for value in (*stats_d.values(), *stats_g.values(), loss_d, loss_g):
        assert value.dim() == 0 and math.isfinite(float(value.detach()))
    assert all(not value.requires_grad for value in (*stats_d.values(), *stats_g.values()))
    assert set(stats_g) & set(DISCRIMINATOR_OUTPUTS) <= {"d_fake_g"}  # G's step sees D(G(z)) only


@pytest.mark.parametrize("name", sorted(n for n, cls in VARIANTS.items() if not cls.real_fake_targets))
def test_label_tricks_are_refused_where_there_are_no_real_fake_targets(name):
    usable = sorted(n for n, cls in VARIANTS.items() if cls.real_fake_targets)
    with pytest.raises(ArtganError, match=f"has no such targets.*one of {', '.join(usable)}"):
        tiny_variant(VARIANTS[name], label_smoothing=0.1)

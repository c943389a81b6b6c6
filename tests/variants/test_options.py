"""A variant's own options, declared in its file: flags, config keys, API keywords and saved
recipes, without editing the shared ModelConfig."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import artgan
from artgan.cli import build_parser
from artgan.cli.train import resolve_train_config
from artgan.config import ModelConfig, build_config, config_from_dict
from artgan.errors import ArtganError
from artgan.options import at_least, option
from artgan.runs.recipe import resolve_config
from artgan.runs.run_dir import RunDir
from artgan.variants import VARIANTS, register_variant
from artgan.variants.dcgan import DCGAN


def train_args(*flags: str):
    return build_parser().parse_args(["train", *flags])


def test_a_variants_option_is_a_flag_a_config_key_an_api_keyword_and_part_of_the_saved_recipe(tmp_path):
    config, _ = resolve_train_config(train_args("--model", "wgan", "--weight-clip", "0.02"))
    assert config.model.weight_clip == 0.02 and config.train.optimizer == "rmsprop"
    assert resolve_config({"model": {"name": "wgan", "weight_clip": 0.02}}) == config
    assert artgan.make_config(model="wgan", weight_clip=0.02) == config
    config.save(tmp_path / "config.yaml")
    assert RunDir(tmp_path).read_config() == config
    with pytest.raises(ArtganError, match=r"model.weight_clip: saved 0.02, asked 0.03"):
        resolve_config({"model": {"weight_clip": 0.03}}, resume=tmp_path)


def test_another_variants_option_is_refused_unless_it_is_a_saved_default():
    with pytest.raises(ArtganError, match=r"^option model.projection \(--projection\) is read by cdcgan only, "
                                          r"not by model 'dcgan': drop it, or train --model cdcgan$"):
        resolve_config({"model": {"projection": True}})
    with pytest.raises(ArtganError, match=r"model.weight_clip \(--weight-clip\) must be a finite number > 0"):
        build_config({"model": {"name": "dcgan", "weight_clip": -1}})  # what the value is wrong with comes first
    # Recipes saved when every variant's options sat in one ModelConfig list them all at their defaults.
    old = {"model": {"name": "dcgan", "projection": False, "weight_clip": 0.01, "gp_weight": 10.0, "class_weight": 1.0,
                     "ambiguity": "uniform", "mlp_hidden": 512, "mlp_layers": 3, "d_dropout": 0.0}}
    assert type(build_config(old).model) is ModelConfig and build_config(old) == build_config({})
    old["model"]["projection"] = True  # the dcgan run never read it: its saved recipe still opens
    assert config_from_dict(old) == build_config({})


@dataclass
class ToyConfig(ModelConfig):
    toy_rounds: int = option(2, "rounds of the toy loss", limit=at_least(1))


@pytest.fixture
def toy_variant():
    @register_variant
    class Toy(DCGAN):
        name, paper, model_config = "toy", "a test's variant", ToyConfig

    yield Toy
    del VARIANTS["toy"]


def test_a_new_variants_option_needs_nothing_but_its_file(toy_variant, capsys):
    config, _ = resolve_train_config(train_args("--model", "toy", "--toy-rounds", "5"))
    assert config.model.toy_rounds == 5 and config.train.label_smoothing == 0.2  # dcgan's defaults, inherited
    with pytest.raises(ArtganError, match=r"toy_rounds \(--toy-rounds\) must be a number >= 1, got 0"):
        build_config({"model": {"name": "toy", "toy_rounds": 0}})
    with pytest.raises(SystemExit):
        train_args("--help")
    assert "toy: rounds of the toy loss (default: 2)" in " ".join(capsys.readouterr().out.split())

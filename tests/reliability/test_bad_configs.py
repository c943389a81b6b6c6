"""Bad options and config files: one line naming the option, the value and what is valid, exit
code 2, before any data is read or any file is written. Fuzzed with hypothesis for good measure."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artgan.cli import main
from artgan.config import SECTIONS, build_config
from artgan.errors import ArtganError

# Every option that declares a limit, as (section, field name, Limit).
LIMITS = [(section, f.name, f.metadata["limit"]) for section, cls in SECTIONS.items()
          for f in dataclasses.fields(cls) if f.metadata.get("limit")]

TINY = ["--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8", "--batch", "16", "--quiet"]


@pytest.mark.parametrize("flag, value, message", [
    ("--steps", "-5", "option train.steps (--steps) must be a number >= 1, got -5"),
    ("--steps", "0", "train.steps (--steps) must be a number >= 1, got 0"),
    ("--batch", "0", "train.batch (--batch) must be from 1 to 65,536 (also capped by the number of images), got 0"),
    ("--lr-d", "0", "train.lr_d (--lr-d) must be a finite number > 0, got 0.0"),
    ("--lr-g", "-1e-4", "train.lr_g (--lr-g) must be a finite number > 0, got -0.0001"),
    ("--lr-g", "nan", "train.lr_g (--lr-g) must be a finite number > 0, got nan"),
    ("--beta1", "1.5", "train.beta1 (--beta1) must be in [0, 1), got 1.5"),
    ("--epochs", "inf", "train.epochs (--epochs) must be a finite number >= 0"),
    ("--keep-checkpoints", "0", "train.keep_checkpoints (--keep-checkpoints) must be a number >= 1"),
    ("--latent-dim", "0", "model.latent_dim (--latent-dim) must be from 1 to 4,096"),
    ("--d-dropout", "1", "model.d_dropout (--d-dropout) must be in [0, 1), got 1.0"),
    ("--seed", "-1", "train.seed (--seed) must be an integer from 0 to 2**63 - 2, got -1"),
    ("--size", "48", "image size 48 is not supported; use a power of two from 16 to 256"),
    ("--channels", "2", "--channels must be 1 (grayscale), 3 (RGB) or 0"),
    ("--model", "nope", "unknown model 'nope'"),
])
def test_bad_values_stop_before_any_work_with_one_line(flag, value, message, tmp_path, capsys, monkeypatch):
    import artgan.data

    monkeypatch.setattr(artgan.data, "open_source", lambda config: pytest.fail("read data despite a bad option"))
    assert main(["train", *TINY, "--out", str(tmp_path / "r"), f"{flag}={value}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("artgan: error:") and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("text, message", [
    ("train:\n  steps: lots\n", "option train.steps must be int, got 'lots'"),
    ("train:\n  batch: 12.5\n", "option train.batch must be int, got 12.5"),
    ("train:\n  batch: true\n", "option train.batch must be int, got True"),
    ("train:\n  stpes: 3\n", "unknown option train.stpes; valid train options:"),
    ("trian:\n  steps: 3\n", "unknown config section 'trian'"),
    ("train: [1, 2]\n", "config section 'train' must be a mapping"),
    ("- just\n- a list\n", "must hold sections data/model/train, got list"),
    ("train: {steps: 3\n", "is not valid YAML/TOML"),
    ("model:\n  name: 7\n", "unknown model 7; choose one of"),
])
def test_bad_config_files_name_the_key(text, message, tmp_path, capsys):
    (tmp_path / "c.yaml").write_text(text)
    assert main(["train", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                   st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
known_keys = st.sampled_from([[section, key] for section, key, _ in LIMITS] + [["data", "source"], ["train", "optimizer"],
                                                                      ["train", "precision"], ["data", "classes"]])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(known_keys, values), max_size=4),
       st.dictionaries(st.text(max_size=6), st.one_of(values, st.dictionaries(st.text(max_size=6), values)), max_size=2))
def test_fuzzed_configs_either_build_or_say_why(known, junk):
    overrides: dict = {}
    for (section, key), value in known:
        overrides.setdefault(section, {})[key] = value
    for layer in (overrides, {**overrides, **junk}):
        try:
            config = build_config(layer)
        except ArtganError as error:
            assert str(error) and "\n" not in str(error)
            continue
        for section, key, limit in LIMITS:  # what builds is within every limit
            assert limit.valid(getattr(getattr(config, section), key)), (section, key)

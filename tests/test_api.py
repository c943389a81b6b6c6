"""The Python API: `import artgan` stays cheap, and docs/python.md's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import artgan
from artgan.errors import ArtganError

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_import_artgan_does_not_import_torch():
    code = "import sys, artgan; print('torch' in sys.modules); artgan.Config; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]  # even the Config dataclass needs no torch


def test_every_api_name_resolves():
    for name in artgan.API:
        assert callable(getattr(artgan, name)), name
    with pytest.raises(AttributeError):
        artgan.no_such_name  # noqa: B018


def test_options_resolve_like_the_command_line():
    config = artgan.make_config(data="sklearn:digits", model="wgan", steps=5, g_width=8)
    assert (config.data.source, config.model.name, config.train.steps, config.model.g_width) == ("sklearn:digits", "wgan", 5, 8)
    assert config.train.optimizer == "rmsprop"  # the variant's own default
    again = artgan.make_config(config, steps=7)
    assert again.train.steps == 7 and again.train.optimizer == "rmsprop"
    with pytest.raises(ArtganError, match="unknown option 'stpes'"):
        artgan.make_config(stpes=5)
    with pytest.raises(ArtganError, match="must be int"):
        artgan.make_config(steps="many")


@pytest.mark.slow
def test_docs_python_examples_run_as_written(tmp_path):
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    assert (tmp_path / "digits-grid.png").is_file() and (tmp_path / "digits-wgan-gp.yaml").is_file()
    assert namespace["images"].shape == (36, 1, 16, 16)
    assert namespace["grid"].size == (6 * 18 + 2, 6 * 18 + 2)
    rows = namespace["result"]["rows"]
    assert rows["ceiling: real held-out"]["fid"] < rows["floor: noise"]["fid"]
    assert namespace["painted"].size == (32, 32)

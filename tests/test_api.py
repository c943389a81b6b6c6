"""The Python API: `import artgan` stays cheap, and docs/python.md's examples run as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import artgan
from artgan.cli import main
from artgan.errors import ArtganError

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every python and bash block, in the order a reader meets them."""
    return re.findall(r"```(python|bash)\n(.*?)```", text, flags=re.S)


def run_block(language: str, code: str, namespace: dict) -> None:
    if language == "python":
        exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
        return
    for line in filter(None, (line.split("#")[0].strip() for line in code.splitlines())):
        assert line.startswith("artgan "), line
        assert main(shlex.split(line)[1:]) == 0, line


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
    pytest.importorskip("onnxruntime")
    blocks = code_blocks(DOC.read_text())
    assert len(blocks) >= 5
    namespace: dict = {}
    for language, code in blocks:
        run_block(language, code, namespace)
    assert (tmp_path / "digits-grid.png").is_file() and (tmp_path / "digits-wgan-gp.yaml").is_file()
    assert namespace["images"].shape == (36, 1, 16, 16)
    assert namespace["grid"].size == (6 * 18 + 2, 6 * 18 + 2)
    rows = namespace["result"]["rows"]
    assert rows["ceiling: real held-out"]["fid"] < rows["floor: noise"]["fid"]
    assert namespace["painted"].size == (32, 32)
    model = namespace["model"]  # the exported files draw what artgan draws for the same z
    torch.testing.assert_close(namespace["pictures"] * 2 - 1, model.generator(namespace["z"], None), atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.from_numpy(namespace["onnx_images"]), namespace["pictures"] * 2 - 1, atol=1e-4, rtol=0)

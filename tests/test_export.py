"""`artgan export`: the ONNX and TorchScript files compute what the PyTorch generator computes."""

from __future__ import annotations

import pytest
import torch

from artgan.cli import main
from artgan.generation import load_generator
from tests.cli.test_cli import TINY


@pytest.fixture(scope="module", params=["dcgan", "cdcgan"])
def run(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / request.param
    assert main(["train", *TINY, "--model", request.param, "--steps", "2", "--out", str(path)]) == 0
    return path


def inputs(model, n: int = 5) -> tuple[torch.Tensor, ...]:
    """A batch size other than the one the export traced with: the batch dimension must be free."""
    z = torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(7))
    return (z, torch.tensor([3, 1, 4, 1, 5])) if model.conditional else (z,)


def pytorch_images(run, args) -> torch.Tensor:
    model = load_generator(run)
    with torch.no_grad():
        return model.generator(*args) if model.conditional else model.generator(args[0], None)


def test_torchscript_file_matches_pytorch(run, tmp_path, capsys):
    out = tmp_path / "g.pt"
    assert main(["export", str(run), "--format", "torchscript", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    args = inputs(load_generator(run))
    loaded = torch.jit.load(str(out))
    with torch.no_grad():
        exported = loaded(*args)
    torch.testing.assert_close(exported, pytorch_images(run, args), rtol=0, atol=1e-5)


def test_onnx_file_matches_pytorch_in_onnxruntime(run, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    out = tmp_path / "g.onnx"
    assert main(["export", str(run), "--format", "onnx", "--out", str(out)]) == 0
    args = inputs(load_generator(run))
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    feed = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
    assert list(feed) == ["z", "labels"][:len(args)]
    (images,) = session.run(None, feed)
    torch.testing.assert_close(torch.from_numpy(images), pytorch_images(run, args), rtol=0, atol=1e-4)


def test_exporting_a_run_whose_checkpoint_is_damaged_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "damaged"
    assert main(["train", *TINY, "--steps", "2", "--keep-checkpoints", "1", "--out", str(path)]) == 0
    (checkpoint,) = (path / "checkpoints").glob("step_*.safetensors")
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])  # cut short, as a crash or a full disk leaves it
    capsys.readouterr()
    assert main(["export", str(path), "--format", "torchscript"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("artgan: error: ") and "damaged" in err and err.count("\n") == 1

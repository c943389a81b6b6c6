"""`artgan generate` with the knobs of stylegan2-ada's generate.py: --seeds, --truncation, --device."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from artgan.cli import main
from artgan.generation import load_generator, truncate
from tests.cli.test_cli import TINY


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("generate") / "run"
    assert main(["train", *TINY, "--steps", "2", "--out", str(path)]) == 0
    return path


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path), dtype=np.int16)


def test_seeds_write_one_reproducible_image_per_seed(run, tmp_path):
    assert main(["generate", str(run), "--seeds", "0-3,10", "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"seed{s:04d}.png" for s in (0, 1, 2, 3, 10)]
    # seed 10's image does not depend on which other seeds were asked for, nor on the machine's device
    assert main(["generate", str(run), "--seeds", "10", "--out", str(tmp_path / "b"), "--device", "auto", "--quiet"]) == 0
    assert (tmp_path / "a" / "seed0010.png").read_bytes() == (tmp_path / "b" / "seed0010.png").read_bytes()
    assert (tmp_path / "a" / "seed0000.png").read_bytes() != (tmp_path / "a" / "seed0001.png").read_bytes()
    model = load_generator(run)
    expected = model(torch.randn(1, model.latent_dim, generator=torch.Generator().manual_seed(3)))[0, 0].numpy()
    assert np.array_equal(pixels(tmp_path / "a" / "seed0003.png"), expected)


def test_truncation_zero_draws_the_mean_image_for_every_seed(run, tmp_path):
    assert main(["generate", str(run), "--seeds", "0-2", "--truncation", "0", "--out", str(tmp_path / "t"), "--quiet"]) == 0
    first, *others = (pixels(tmp_path / "t" / f"seed{s:04d}.png") for s in range(3))
    assert all(np.array_equal(first, other) for other in others)
    model = load_generator(run)
    assert np.array_equal(first, model(torch.zeros(1, model.latent_dim))[0, 0].numpy())


def test_truncation_moves_latents_toward_the_mean_by_psi():
    z = torch.randn(64, 16, generator=torch.Generator().manual_seed(0))
    assert torch.equal(truncate(z, 1.0), z)
    assert torch.allclose(truncate(z, 0.5).norm(dim=1), 0.5 * z.norm(dim=1))
    mean = torch.full((16,), 3.0)
    assert torch.allclose(truncate(z, 0.25, mean) - mean, 0.25 * (z - mean))
    assert torch.equal(truncate(z, 0.0, mean), mean.expand(64, 16))


def test_truncated_samples_vary_less(run):
    model = load_generator(run)
    spread = {psi: model.sample(64, seed=1, truncation=psi).float().std(0).mean().item() for psi in (1.0, 0.3)}
    assert spread[0.3] < spread[1.0]


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "5-2"], "--seeds takes seeds and ranges"),
    (["--seeds", "a,b"], "--seeds takes seeds and ranges"),
    (["--seeds", "1", "--n", "4"], "without --n"),
    (["--truncation", "1.5"], "--truncation must be between 0"),
    (["--device", "mps"], "no Apple-Silicon GPU"),
    (["--device", "tpu"], "unknown device"),
])
def test_bad_generate_options_are_one_line_errors(run, capsys, argv, message):
    if "mps" in argv and torch.backends.mps.is_available():
        pytest.skip("this machine has an Apple-Silicon GPU")
    assert main(["generate", str(run), *argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1

"""torchrun with 2 CPU processes (gloo) trains what one process trains at the same global --batch.

Tolerance: the ranks see exactly the single process's images, noise and batch-norm statistics, so
what differs is float rounding (gradients are summed over ranks, batch-norm sums over slices).
In fp32 that moves logged losses in the 6th digit and weights by about 1e-7 over these runs; the
asserts allow 1e-4 (relative for losses, absolute for weights: half an Adam step at lr 2e-4).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from artgan.config import build_config
from artgan.data import load_images
from artgan.errors import ArtganError
from artgan.training import train
from artgan.training.checkpoint import list_checkpoints, load_checkpoint
from artgan.training.distributed import Ranks
from artgan.training.sampler import BatchSampler
from tests.conftest import tiny_overrides

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4


def torchrun(*args: str, cwd: Path, nproc: int = 2) -> subprocess.CompletedProcess:
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "-m", "artgan", *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def metrics(run: Path) -> list[dict[str, float]]:
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    return [{k: float(v) for k, v in row.items() if k != "images_per_second"} for row in rows]


def files(run: Path) -> list[str]:
    """Everything in the run directory but TensorBoard's event files, whose names hold host and pid."""
    return sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file() and "tensorboard" not in p.parts)


def assert_same_weights(one: dict, two: dict) -> None:
    for name in ("generator", "discriminator"):
        for key, value in one[name].items():
            if value.dtype.is_floating_point:
                assert torch.allclose(value, two[name][key], atol=TOLERANCE, rtol=0), (name, key)
            else:
                assert torch.equal(value, two[name][key]), (name, key)


def test_batch_that_does_not_split_over_the_ranks_is_refused():
    with pytest.raises(ArtganError, match="--batch 10 does not split evenly over 3 processes.*--batch 9"):
        Ranks(rank=0, world=3).split(10)


def test_rank_slices_of_a_batch_make_up_the_single_process_batch(tmp_path):
    data = load_images(build_config(tiny_overrides(tmp_path)).data, progress=False)
    alone = BatchSampler(data, 12, seed=3, device=torch.device("cpu"))
    ranks = [BatchSampler(data, 12, seed=3, device=torch.device("cpu"), ranks=Ranks(r, 3)) for r in range(3)]
    for _ in range(len(data) // 12 + 2):  # across an epoch boundary too
        images, labels = alone.next()
        slices = [sampler.next() for sampler in ranks]
        assert all(len(s[0]) == 4 for s in slices)
        assert torch.equal(torch.cat([s[0] for s in slices]), images)
        assert torch.equal(torch.cat([s[1] for s in slices]), labels)


@pytest.mark.slow
def test_two_gloo_processes_train_and_resume_like_one_process(tmp_path):
    config = build_config(tiny_overrides(tmp_path, steps=6, batch=16))
    config.save(tmp_path / "tiny.yaml")
    config.train.steps = 9
    one = train(config, out=tmp_path / "one", progress=False).path

    first = torchrun("train", "--config", "tiny.yaml", "--out", "two", "--quiet", cwd=tmp_path)
    assert first.stdout.count("run directory: two") == 1  # rank 0 speaks for the run
    two = tmp_path / "two"
    for row_one, row_two in zip(metrics(one)[:3], metrics(two), strict=True):  # losses averaged over the ranks
        assert row_one == pytest.approx(row_two, rel=TOLERANCE)
    torchrun("train", "--out", "two", "--resume", "--steps", "9", "--quiet", cwd=tmp_path)

    assert files(two) == files(one)  # one run directory's worth: nothing written twice, no stray temp files
    assert len(list((two / "tensorboard").iterdir())) == 2  # one event file per launch, not per rank
    for row_one, row_two in zip(metrics(one), metrics(two), strict=True):
        assert row_one == pytest.approx(row_two, rel=TOLERANCE)
    last_one, last_two = list_checkpoints(one / "checkpoints")[-1], list_checkpoints(two / "checkpoints")[-1]
    assert last_two.name == last_one.name == "step_00000009.safetensors"
    assert_same_weights(load_checkpoint(last_one), load_checkpoint(last_two))

"""torchrun with 2 CPU processes (gloo) trains what one process trains at the same global --batch.

Tolerance: the ranks see exactly the single process's images, noise and batch-norm statistics, so
what differs is float rounding (gradients are summed over ranks, batch-norm sums over slices).
In fp32 that moves logged losses in the 6th digit and weights by about 1e-7 over these runs; the
asserts allow 1e-4 (relative for losses, absolute for weights: half an Adam step at lr 2e-4).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from artgan.config import build_config
from artgan.data import load_images
from artgan.errors import ArtganError
from artgan.evaluation.domain_classifier import save_classifier, train_classifier
from artgan.runs.best import read_best
from artgan.runs.run_dir import RunDir
from artgan.training import distributed, train
from artgan.runs.recipe import resolve_config
from artgan.runs.checkpoint import list_checkpoints, load_checkpoint
from artgan.runs.metrics_log import TEXT_COLUMNS
from artgan.training.distributed import global_batch_norm, local_device
from artgan.ranks import Ranks
from artgan.training.sampler import BatchSampler
from tests.conftest import tiny_overrides

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4


def torchrun_command(*args: str, nproc: int = 2) -> tuple[list[str], dict[str, str]]:
    """``torchrun --nproc_per_node=2 ARGS`` (e.g. ``-m artgan train ...``) on CPU, so gloo."""
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args], env


def torchrun(*args: str, cwd: Path, nproc: int = 2) -> subprocess.CompletedProcess:
    command, env = torchrun_command(*args, nproc=nproc)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def metrics(run: Path) -> list[dict[str, float]]:
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    # Training results only: speed, the speed settings (layout, threads) and the health monitor's
    # sample variety (a diagnostic of the latest grid, not training state) may differ between launches.
    skipped = ("images_per_second", "threads", "sample_variety", *TEXT_COLUMNS)
    return [{k: float(v) for k, v in row.items() if k not in skipped and v != ""} for row in rows]


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


@pytest.fixture
def one_process_group():
    """A gloo group of one: GlobalBatchNorm takes its all-reduced path, which must be batch norm's maths."""
    store = torch.distributed.HashStore()
    torch.distributed.init_process_group("gloo", store=store, rank=0, world_size=1)
    yield
    torch.distributed.destroy_process_group()


@pytest.mark.parametrize("shape", [(6, 3, 5, 5), (6, 4)])
def test_global_batch_norm_is_batch_norm_in_values_gradients_and_running_stats(one_process_group, shape):
    torch.manual_seed(0)
    norm = torch.nn.BatchNorm2d(shape[1]) if len(shape) == 4 else torch.nn.BatchNorm1d(shape[1])
    torch.nn.init.normal_(norm.weight)
    torch.nn.init.normal_(norm.bias)
    reference, synced = norm, global_batch_norm(torch.nn.Sequential(copy.deepcopy(norm)))
    x = (torch.randn(shape) * 3 + 1).requires_grad_(True)
    outputs, gradients = [], []
    for module in (reference, synced):
        y = module(x)
        (grad,) = torch.autograd.grad((y.sin() * y).sum(), x, create_graph=True)  # R1 differentiates twice
        second = torch.autograd.grad(grad.square().sum(), module.parameters() if module is reference else synced[0].parameters())
        outputs.append(y)
        gradients.append((grad, *second))
    assert type(synced[0]).__name__ == "GlobalBatchNorm"
    assert torch.allclose(outputs[0], outputs[1], atol=1e-5)
    for a, b in zip(*gradients, strict=True):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert torch.allclose(getattr(reference, name), getattr(synced[0], name), atol=1e-6), name
    assert synced[0].state_dict().keys() == reference.state_dict().keys()


def test_each_process_takes_its_own_gpu_and_a_fixed_one_is_refused(one_process_group, monkeypatch):
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert local_device(torch.device("cuda")) == torch.device("cuda", 0)
    assert local_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ArtganError, match="--device cuda:1 would put every process of this machine on one GPU"):
        local_device(torch.device("cuda:1"))


def test_training_lets_go_of_its_ddp_wrappers_before_leaving_the_process_group(tmp_path, monkeypatch):
    """Wrappers that outlive the group are freed at interpreter exit, where gloo can abort a rank."""
    alive_when_group_ends = []

    @contextlib.contextmanager
    def group_of_one(device):
        torch.distributed.init_process_group("gloo", store=torch.distributed.HashStore(), rank=0, world_size=1)
        try:
            yield
        finally:
            gc.collect()
            alive_when_group_ends.extend(o for o in gc.get_objects() if isinstance(o, torch.nn.parallel.DistributedDataParallel))
            torch.distributed.destroy_process_group()

    monkeypatch.setattr(distributed, "process_group", group_of_one)
    train(build_config(tiny_overrides(tmp_path, steps=2)), out=tmp_path / "run", progress=False)
    assert alive_when_group_ends == []


@pytest.mark.slow
def test_two_gloo_processes_train_and_resume_like_one_process(tmp_path):
    # eval_min_recall 0: these untrained states are all collapsed, and which one is kept is what is compared
    config = build_config(tiny_overrides(tmp_path, steps=6, batch=16, eval_every=3, eval_n=50, eval_min_recall=0.0))
    config.save(tmp_path / "tiny.yaml")
    config.train.steps = 9
    data = load_images(config.data, progress=False)  # --eval-every's classifier, made cheaply and given to both runs
    classifier = train_classifier(data.images[:64], data.labels[:64], data.class_names, steps=5, source=data.source,
                                  progress=False)
    for name in ("one", "two"):
        save_classifier(classifier, tmp_path / name / "evaluation" / "classifier.safetensors")
    one = train(config, out=tmp_path / "one", progress=False).path

    first = torchrun("-m", "artgan", "train", "--config", "tiny.yaml", "--out", "two", "--quiet", cwd=tmp_path)
    assert first.stdout.count("run directory: two") == 1  # rank 0 speaks for the run
    two = tmp_path / "two"
    first_part = [row for row in metrics(one) if row["step"] <= 6]
    for row_one, row_two in zip(first_part, metrics(two), strict=True):  # losses averaged over the ranks
        assert row_one == pytest.approx(row_two, rel=TOLERANCE)
    torchrun("-m", "artgan", "train", "--out", "two", "--resume", "--steps", "9", "--quiet", cwd=tmp_path)

    assert files(two) == files(one)  # one run directory's worth: nothing written twice, no stray temp files
    assert len(list((two / "tensorboard").iterdir())) == 2  # one event file per launch, not per rank
    for row_one, row_two in zip(metrics(one), metrics(two), strict=True):
        assert row_one == pytest.approx(row_two, rel=TOLERANCE)
    last_one, last_two = list_checkpoints(one / "checkpoints")[-1], list_checkpoints(two / "checkpoints")[-1]
    assert last_two.name == last_one.name == "step_00000009.safetensors"
    assert_same_weights(load_checkpoint(last_one), load_checkpoint(last_two))
    # rank 0 alone measured and kept the best, across the resume, as the single process did
    best_one, best_two = read_best(RunDir(one)), read_best(RunDir(two))
    assert best_two.step == best_one.step and best_two.score == pytest.approx(best_one.score, rel=1e-3)
    assert_same_weights(load_checkpoint(one / "checkpoints" / "best.safetensors"),
                        load_checkpoint(two / "checkpoints" / "best.safetensors"))


# Every variant's networks and losses, and every stabiliser at once, through DDP: heads used in only
# some of D's calls (CAN), labels (AC-GAN, cDCGAN), weight clipping on the wrapped critic (WGAN),
# double backward through all-reduced batch norm (R1) and layer norm (WGAN-GP), spectral norm,
# mode seeking's pairs over the global batch (AC-GAN's default; within a class and unconditional),
# BatchNorm1d (MLP), and per-sample randomness drawn for the global batch (smoothing, flipping,
# DiffAugment, instance noise, a replay buffer gathered from both ranks, EMA).
VARIANT_CASES = {
    "wgan": {"model": {"name": "wgan"}, "train": {"n_critic": 2}},
    "wgan-gp": {"model": {"name": "wgan-gp"}, "train": {"n_critic": 2}},
    "acgan": {"model": {"name": "acgan"}},
    "cdcgan-projection": {"model": {"name": "cdcgan", "projection": True}},
    "can": {"model": {"name": "can"}},
    "sngan": {"model": {"name": "sngan"}},
    "mlp": {"model": {"name": "mlp"}},
    "dcgan-stabilisers": {"train": {"r1": 1.0, "diffaug": True, "instance_noise": 0.1, "replay": 0.5, "replay_size": 24,
                                    "label_smoothing": 0.1, "smooth_fake": True, "label_flip": 0.1, "ema": True,
                                    "mode_seeking": 0.1}},
}


@pytest.mark.slow
def test_every_variant_and_stabiliser_trains_under_ddp_as_in_one_process(tmp_path):
    (tmp_path / "cases").mkdir()
    for name, case in VARIANT_CASES.items():
        overrides = tiny_overrides(tmp_path, steps=4, batch=8, checkpoint_every=4, sample_every=4, log_every=2)
        for section, values in case.items():
            overrides[section] = overrides.get(section, {}) | values
        config = resolve_config(overrides)
        config.save(tmp_path / "cases" / f"{name}.yaml")
        train(config, out=tmp_path / "one" / name, progress=False)
    torchrun(str(REPO / "tests" / "training" / "distributed_worker.py"), "cases", "two", cwd=tmp_path)
    for name in VARIANT_CASES:
        one, two = tmp_path / "one" / name, tmp_path / "two" / name
        assert files(two) == files(one), name
        for row_one, row_two in zip(metrics(one), metrics(two), strict=True):
            assert row_one == pytest.approx(row_two, rel=TOLERANCE, abs=TOLERANCE), name
        assert_same_weights(load_checkpoint(one / "checkpoints" / "step_00000004.safetensors"),
                            load_checkpoint(two / "checkpoints" / "step_00000004.safetensors"))


@pytest.mark.slow
def test_ctrl_c_to_torchrun_stops_every_rank_at_one_step_and_saves_it(tmp_path):
    build_config(tiny_overrides(tmp_path, steps=100_000, log_every=5, sample_every=1000, checkpoint_every=1000)).save(tmp_path / "long.yaml")
    command, env = torchrun_command("-m", "artgan", "train", "--config", "long.yaml", "--out", "run", "--quiet")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not (tmp_path / "run" / "metrics.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.5)  # wait until both ranks train
    process.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends torchrun, which passes it on
    _, stderr = process.communicate(timeout=120)
    checkpoints = list_checkpoints(tmp_path / "run" / "checkpoints")
    assert len(checkpoints) == 1, stderr[-3000:]
    step = load_checkpoint(checkpoints[0])["step"]
    assert step % 5 == 0  # a shared boundary, where the ranks agree to stop
    assert stderr.count(f"stopped by Ctrl-C (SIGINT) at step {step} of 100000") == 2  # both ranks, the same step
    assert "Continue with: torchrun --nproc_per_node=2 -m artgan train --out run --resume" in stderr

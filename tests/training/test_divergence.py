"""The divergence guard: NaN/inf or exploding values stop the run (or roll it back) before a bad
checkpoint, sample or metrics row is written."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from artgan.cli import main
from artgan.config import build_config
from artgan.training import prepare_run
from artgan.runs.checkpoint import list_checkpoints, load_checkpoint
from artgan.training.divergence import DivergenceGuard, TrainingDiverged
from artgan.runs.metrics_log import read_metrics
from tests.conftest import tiny_overrides


def poison_discriminator(trainer, at_steps: set[int], every_time: bool = False):
    """Make D's loss NaN in the iterations that produce the given steps (as an fp16 overflow would),
    once per step, or every time the run passes there again."""
    loss_fn = trainer.variant.discriminator_loss

    def poisoned(*args):
        loss, stats = loss_fn(*args)
        if trainer.step + 1 in at_steps:
            if not every_time:
                at_steps.discard(trainer.step + 1)
            loss = loss * float("nan")
            stats = {**stats, "loss_d": loss.detach()}
        return loss, stats

    trainer.variant.discriminator_loss = poisoned


def all_finite(state: dict) -> bool:
    return all(torch.isfinite(v).all() for part in ("generator", "discriminator") for v in state[part].values()
               if v.is_floating_point())


def test_nan_stops_the_run_keeping_the_last_good_checkpoint(tmp_path):
    trainer, _ = prepare_run(build_config(tiny_overrides(tmp_path, steps=9)), tmp_path / "run", False, progress=False)
    poison_discriminator(trainer, {5})
    with pytest.raises(TrainingDiverged) as caught:
        trainer.fit()
    message = str(caught.value)
    assert "between step 4 and 6" in message and "loss_d = nan" in message
    assert "step_00000003.safetensors is kept" in message and "--on-divergence rollback" in message
    assert [p.name for p in list_checkpoints(trainer.run.checkpoints)] == ["step_00000003.safetensors"]
    assert all_finite(load_checkpoint(trainer.run.latest_checkpoint()))
    assert max(read_metrics(trainer.run.path)["loss_d"][0]) == 4  # no NaN row was logged
    assert not (trainer.run.samples / "step_00000006.png").exists()


def test_rollback_reloads_the_last_good_checkpoint_with_lower_learning_rates(tmp_path, capfd):
    overrides = tiny_overrides(tmp_path, steps=9, on_divergence="rollback", rollback_lr_factor=0.25)
    trainer, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    poison_discriminator(trainer, {5})
    trainer.fit()
    assert "rolled back to step 3 with learning rates x0.25 (rollback 1 of 3)" in capfd.readouterr().err
    final = load_checkpoint(trainer.run.latest_checkpoint())
    assert final["step"] == 9 and all_finite(final)
    assert final["optimizer_d"]["param_groups"][0]["lr"] == pytest.approx(2e-4 * 0.25)
    assert final["divergence"] == {"rollbacks": 1, "lr_scale": 0.25}
    assert all(math.isfinite(v) for v in read_metrics(trainer.run.path)["loss_d"][1])
    # Resuming keeps the lowered rates.
    resumed, _ = prepare_run(build_config({**overrides, "train": {**overrides["train"], "steps": 12}}),
                             trainer.run.path, True, progress=False)
    assert resumed.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.25)
    assert resumed.config.train.lr_g == 2e-4  # the base rate: nothing writes the config while training


def test_rollback_before_the_first_checkpoint_restarts_from_the_beginning(tmp_path, capfd):
    overrides = tiny_overrides(tmp_path, steps=4, checkpoint_every=10, on_divergence="rollback")
    trainer, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    poison_discriminator(trainer, {2})
    trainer.fit()
    assert "rolled back to step 0" in capfd.readouterr().err
    assert all_finite(load_checkpoint(trainer.run.latest_checkpoint()))


def test_rollback_gives_up_after_max_rollbacks(tmp_path):
    overrides = tiny_overrides(tmp_path, steps=9, on_divergence="rollback", max_rollbacks=2)
    trainer, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    poison_discriminator(trainer, {5}, every_time=True)  # every retry diverges again
    with pytest.raises(TrainingDiverged, match="after 2 rollback"):
        trainer.fit()


def test_exploding_loss_from_the_command_line_is_one_line_with_advice(tmp_path, capsys):
    code = main(["train", "--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8", "--batch", "16",
                 "--steps", "4", "--precision", "fp32", "--quiet", "--out", str(tmp_path / "r"), "--divergence-limit", "0.01"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "training diverged between step 0 and" in err and "no checkpoint had been written yet" in err
    assert "try --on-divergence rollback" in err and "--max-grad-norm 10" in err


def test_guard_catches_infinite_gradients_and_clips_large_ones():
    t = build_config({"train": {"max_grad_norm": 1.0}}).train
    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    guard = DivergenceGuard(t, torch.device("cpu"), {"D": optimizer})
    weight.grad = torch.tensor([30.0, 40.0, 0.0])
    guard.before_step(optimizer)
    assert torch.linalg.vector_norm(weight.grad).item() == pytest.approx(1.0) and not guard.diverged()
    assert guard.last["grad_norm_D"].item() == pytest.approx(50.0)
    weight.grad = torch.tensor([float("inf"), 0.0, 0.0])
    guard.before_step(optimizer)
    assert guard.diverged() and "grad_norm_D = inf" in guard.describe()


def test_fp16_overflow_gradients_are_the_scalers_business_not_divergence():
    t = build_config({}).train
    weight = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    guard = DivergenceGuard(t, torch.device("cpu"), {"G": optimizer}, fp16=True)
    weight.grad = torch.tensor([float("inf"), 1.0])
    guard.before_step(optimizer)
    assert not guard.diverged()
    guard.watch_losses({"loss_g": torch.tensor(float("nan"))})
    assert guard.diverged()


def _rank_verdicts(rank: int, rendezvous: str, results: str) -> None:
    """One DDP rank: only rank 1 sees a NaN, only rank 0 gets SIGTERM; both must learn of both."""
    import signal

    import torch.distributed as dist

    from artgan.training.interrupts import GracefulInterrupts

    dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=2)
    guard = DivergenceGuard(build_config({}).train, torch.device("cpu"), {})
    guard.watch_losses({"loss_d": torch.tensor(float("nan") if rank == 1 else 0.7)})
    interrupts = GracefulInterrupts()
    interrupts.signum = signal.SIGTERM if rank == 0 else None
    pending = interrupts.pending  # no rank stops on its own under DDP: they would deadlock
    verdict = (guard.diverged(), pending, interrupts.agreed(torch.device("cpu")), interrupts.signum)
    dist.destroy_process_group()
    Path(results, f"rank{rank}").write_text(repr(verdict))


@pytest.mark.slow
def test_under_ddp_every_rank_agrees_on_divergence_and_interrupts(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_rank_verdicts, args=(str(tmp_path / "rendezvous"), str(tmp_path)), nprocs=2)
    for rank in (0, 1):
        assert (tmp_path / f"rank{rank}").read_text() == "(True, False, True, 15)"


def test_rollback_lowers_rates_that_a_step_schedule_recomputes_too(tmp_path):
    overrides = tiny_overrides(tmp_path, steps=9, on_divergence="rollback", lr_step=4, lr_gamma=0.5)
    trainer, _ = prepare_run(build_config(overrides), tmp_path / "run", False, progress=False)
    poison_discriminator(trainer, {5})
    trainer.fit()
    # The last iteration (step 8 -> 9) runs at gamma ** (8 // 4) of the base rate, times the rollback's 0.5.
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.25 * 0.5)

"""Ctrl-C and SIGTERM end a run at the next step boundary, after saving a checkpoint.

The first signal only sets a flag: the step in flight finishes, the trainer saves, and the run
exits with the shell's convention for that signal (130 for SIGINT, 143 for SIGTERM, as cluster
schedulers and ``timeout`` expect), telling the user the one command that continues it. A second
signal means "now": it raises ``KeyboardInterrupt`` at once (atomic writes leave no half files).
Handlers are installed only in the main thread; elsewhere (a web app's worker) they are skipped.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from artgan.errors import ArtganError

SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


class TrainingInterrupted(ArtganError):
    """The run was stopped by a signal after saving; ``exit_code`` is 128 + the signal number."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum


def distributed() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


class GracefulInterrupts:
    """``install()`` before the loop, ``restore()`` after it; ``signum`` says a stop was asked for."""

    def __init__(self):
        self.signum: int | None = None
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt  # a second signal: stop now
        self.signum = signum

    def install(self) -> None:
        self.signum = None
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNAL_NAMES:
                self.previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous.clear()

    @property
    def pending(self) -> bool:
        """Stop at this very step? Alone, as soon as a signal came; under DDP only at shared
        boundaries, where ``agreed`` lets every rank learn of a signal any rank received."""
        return self.signum is not None and not distributed()

    def agreed(self, device) -> bool:
        """Has any rank been asked to stop? (Every rank calls this at the same steps.)"""
        if distributed():
            import torch

            from artgan.training.divergence import any_rank

            self.signum = any_rank(torch.tensor(self.signum or 0, device=device)) or None
        return self.signum is not None

    @property
    def name(self) -> str:
        return SIGNAL_NAMES.get(self.signum, f"signal {self.signum}")

    def stopped(self, step: int, total_steps: int, saved: Path, run: Path) -> TrainingInterrupted:
        """The error that ends the run once it saved ``saved``, saying how to go on."""
        from artgan.training.distributed import launch_command

        return TrainingInterrupted(
            f"stopped by {self.name} at step {step} of {total_steps}; saved {saved}. "
            f"Continue with: {launch_command()} train --out {run} --resume",
            self.signum,
        )

"""Work the app starts: detached `artgan train` processes (stopped and resumed by signal) and
`artgan evaluate` of a run.

Each job is an ordinary `artgan train --out RUN` process in a session of its own, so closing the
browser tab or restarting the app does not stop it; its pid is kept in ``RUN/app-job.json`` so a
later app (or another tab) can find, stop and resume it. Stop sends SIGTERM, which the trainer
turns into "finish this step, save a checkpoint, exit" (artgan.training.interrupts). Nothing here
imports Streamlit.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from artgan.atomic import write_text_atomic
from artgan.errors import ArtganError

JOB_FILE = "app-job.json"
LOG_FILE = "train.log"
EVALUATE_LOG = "evaluate.log"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class TrainRequest:
    """What the Train page asks for; everything else is the variant's defaults, as with `artgan train`."""

    data: str  # a --data source: builtin:art, sklearn:digits, or a folder the app checked
    model: str
    size: int
    steps: int
    minutes: float = 0.0  # a wall-clock budget (--time); 0 = steps only
    batch: int = 0  # 0 = the default; a collection smaller than one batch needs a smaller one

    def arguments(self) -> list[str]:
        arguments = ["--data", self.data, "--model", self.model, "--size", str(self.size), "--steps", str(self.steps)]
        if self.batch:
            arguments += ["--batch", str(self.batch)]
        if self.minutes > 0:
            arguments += ["--time", f"{self.minutes:g}m"]
        return arguments


def check_run_name(name: str, root: Path) -> Path:
    """The new run's folder under ``root``; a name that could leave it, or an existing run, is refused."""
    if not NAME_PATTERN.fullmatch(name):
        raise ArtganError(f"run name {name!r} is not allowed; use letters, digits, '.', '-' and '_' "
                          "(up to 64, not starting with '.' or '-')")
    path = root / name
    if path.exists():
        raise ArtganError(f"a run named {name!r} already exists in {root}; choose another name or resume it on Runs")
    return path


def start_training(request: TrainRequest, out: Path) -> int:
    """Start a new detached run in ``out``; returns its pid."""
    return launch(out, ["train", "--quiet", "--out", str(out), *request.arguments()], "start")


def resume_training(out: Path) -> int:
    """Continue a stopped run from its newest checkpoint (`artgan train --out RUN --resume`)."""
    if running_pid(out) is not None:
        raise ArtganError(f"run {out.name!r} is already training")
    return launch(out, ["train", "--quiet", "--out", str(out), "--resume"], "resume")


def start_evaluation(run: Path, n: int, *options: str) -> int:
    """Start `artgan evaluate RUN --n N [OPTIONS]` in the background; its job file and log live in RUN/evaluation."""
    folder = run / "evaluation"
    if running_pid(folder, "evaluate", run) is not None:
        raise ArtganError(f"run {run.name!r} is already being evaluated")
    return launch(folder, ["evaluate", str(run), "--n", str(n), *options], "evaluate", log_name=EVALUATE_LOG)


def launch(folder: Path, arguments: list[str], action: str, log_name: str = LOG_FILE) -> int:
    """Run `artgan ARGUMENTS` detached (a session of its own), output appended to FOLDER/LOG_NAME,
    its pid recorded in FOLDER/app-job.json."""
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "artgan", *arguments]
    with open(folder / log_name, "a") as log:
        log.write(f"\n$ artgan {' '.join(arguments)}\n")
        log.flush()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, close_fds=True)
    write_text_atomic(folder / JOB_FILE, json.dumps({"pid": process.pid, "action": action, "started": time.time(),
                                                     "command": command}, indent=2) + "\n")
    return process.pid


def running_pid(folder: Path, word: str = "train", run: Path | None = None) -> int | None:
    """The pid of the app-started job recorded in ``folder`` that is still working, or None.

    A pid can be reused once its process is gone, so the process must also be an `artgan WORD`
    of this very run; a finished child of this app is reaped so it does not linger as a zombie."""
    try:
        pid = int(json.loads((folder / JOB_FILE).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return None  # our own child, just ended
    except ChildProcessError:
        pass  # started by an earlier app: not ours to reap
    except OSError:
        return None
    return pid if _is_job_of(pid, word, run or folder) else None


def _is_job_of(pid: int, word: str, run: Path) -> bool:
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        if sys.platform.startswith("linux"):
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        command = (proc / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return state != "Z" and word.encode() in command and str(run).encode() in command


def stop_training(run: Path) -> bool:
    """Ask the run's trainer to stop after saving a checkpoint (SIGTERM, as a scheduler would)."""
    pid = running_pid(run)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    return True


def log_tail(folder: Path, lines: int = 12, log_name: str = LOG_FILE) -> str:
    """The end of a job's output (a progress bar's last state per line): where a failure explains itself."""
    try:
        text = (folder / log_name).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.strip().splitlines()[-lines:])


def pending_jobs(root: Path) -> list[Path]:
    """App-started runs that have not written run.json yet (still preparing their data, or failed)."""
    if not root.is_dir():
        return []
    return sorted(path for path in root.iterdir()
                  if (path / JOB_FILE).is_file() and not (path / "run.json").is_file() and not path.is_symlink())

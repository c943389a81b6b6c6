"""A run directory describes itself: config, data facts, checkpoints, samples, metrics, plots.

    runs/<name>/
      config.yaml          the resolved configuration (`artgan train --config` it to rerun)
      run.json             what the data set was (channels, classes, size) and the variant
      checkpoints/         step_00001500.safetensors ... (last K)
      samples/             step_00000100.png ... fixed-noise grids
      metrics.csv          losses, D(x), D(G(z)), images/s every log step
      tensorboard/         the same for `tensorboard --logdir runs`
      training_curves.png  loss and D-output plots
      timelapse.gif        the fixed-noise grids as an animation
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from artgan.atomic import write_text_atomic
from artgan.config import MAX_CONFIG_BYTES, Config, config_from_dict, read_config_file
from artgan.errors import ArtganError
from artgan.runs.checkpoint import list_checkpoints


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def config_file(self) -> Path:
        return self.path / "config.yaml"

    @property
    def info_file(self) -> Path:
        return self.path / "run.json"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    def latest_checkpoint(self) -> Path | None:
        found = list_checkpoints(self.checkpoints)
        return found[-1] if found else None

    def read_config(self) -> Config:
        if not self.config_file.is_file():
            raise ArtganError(f"{self.path} is not an artgan run directory (no config.yaml)")
        return config_from_dict(read_config_file(self.config_file))

    def read_info(self) -> dict:
        if not self.info_file.is_file():
            raise ArtganError(f"{self.path} is not an artgan run directory (no run.json)")
        try:
            info = json.loads(self.info_file.read_text()) if self.info_file.stat().st_size < MAX_CONFIG_BYTES else None
        except (OSError, ValueError) as error:
            raise ArtganError(f"{self.info_file} cannot be read ({type(error).__name__}: {str(error)[:80]})") from None
        if not isinstance(info, dict) or not isinstance(info.get("channels"), int) or \
                not isinstance(info.get("class_names") or [], list):
            raise ArtganError(f"{self.info_file} is not a run's run.json (it needs channels and class_names)")
        return info

    def write_info(self, info: dict) -> None:
        write_text_atomic(self.info_file, json.dumps(info, indent=2) + "\n")

    def update_info(self, **entries) -> None:
        """Set (or, with None, remove) entries of run.json, keeping every other one."""
        info = self.read_info() if self.info_file.is_file() else {}
        for key, value in entries.items():
            info.pop(key, None)
            if value is not None:
                info[key] = value
        self.write_info(info)


def open_run(path: str | Path) -> RunDir:
    """An existing run with at least one checkpoint, or a clear error."""
    run = RunDir(Path(path).expanduser())
    if not run.path.is_dir():
        raise ArtganError(f"run directory {str(path)!r} does not exist")
    run.read_info()
    if run.latest_checkpoint() is None:
        raise ArtganError(f"run {str(path)!r} has no checkpoint yet; train it first (artgan train --out {path})")
    return run


def refuse_to_overwrite(run: RunDir) -> None:
    """A fresh start in a folder that holds a run's checkpoints would bury hours of work under a new one."""
    latest = run.latest_checkpoint()
    if latest is not None:
        raise ArtganError(
            f"{run.path} already holds a run (newest checkpoint {latest.name}); pass --resume to continue it, "
            f"or choose a new --out to start another"
        )


def default_run_path(config: Config, root: Path = Path("runs"), resume: bool = False) -> Path:
    """runs/<model>-<data>-<size>px; a new run takes the next free suffix, --resume the newest existing."""
    slug = re.sub(r"[^a-z0-9]+", "-", config.data.source.lower()).strip("-")[-40:]
    base = root / f"{config.model.name}-{slug}-{config.data.size}px"
    candidates = [base] + [base.with_name(f"{base.name}-{i}") for i in range(2, 1000)]
    existing = [p for p in candidates if p.exists()]
    if resume:
        return existing[-1] if existing else base
    return next(p for p in candidates if not p.exists())

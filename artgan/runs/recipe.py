"""A run's config by the one precedence, for fresh and resumed runs alike.

Lowest first: the dataclass defaults (``artgan.config``), the chosen variant's ``defaults`` (e.g.
WGAN's RMSprop at 5e-5 with five critic steps), then each layer in the order given: a config
file, then command-line flags. The CLI, the Python API and benchmarks all call
``resolve_config``; nothing else merges variant defaults, so a resumed run cannot lose a layer
that a fresh one has.
"""

from __future__ import annotations

from pathlib import Path

from artgan.config import Config, ModelConfig, build_config, merge_overrides
from artgan.errors import ArtganError
from artgan.runs.run_dir import RunDir
from artgan.variants import get_variant

# Options a resumed run may change: how long and how it reports, not what it computes.
RESUMABLE_CHANGES = {("train", k) for k in ("steps", "epochs", "time", "sample_every", "log_every",
                                            "checkpoint_every", "keep_checkpoints", "device")}


def resolve_config(*layers: dict, resume: str | Path | None = None) -> Config:
    """Defaults < variant defaults < ``layers`` in order, each ``{section: {field: value}}``.

    ``resume``: the run directory to continue. Its saved config.yaml is the recipe, and the layers
    may change only ``RESUMABLE_CHANGES``; a folder that has no config.yaml yet (new, or a run
    killed before it wrote one) starts fresh with the full precedence above.
    """
    user = merge_overrides(*layers)
    if resume is not None and RunDir(Path(resume)).config_file.exists():
        return resumed_config(RunDir(Path(resume)), user)
    model = user.get("model", {}).get("name", ModelConfig.name)
    return build_config(merge_overrides(get_variant(model).defaults, user))


def resumed_config(run: RunDir, user: dict) -> Config:
    """The saved config with the user's resumable changes; any other difference is refused."""
    saved = run.read_config().to_dict()
    config = build_config(merge_overrides(saved, user))
    asked = config.to_dict()
    conflicts = [f"{section}.{key}: saved {saved[section][key]!r}, asked {value!r}"
                 for section, values in asked.items() for key, value in values.items()
                 if (section, key) not in RESUMABLE_CHANGES and saved[section][key] != value]
    if conflicts:
        raise ArtganError(f"cannot resume {run.path} with a different config ({'; '.join(conflicts)}); "
                          f"start a new run with another --out instead")
    return config

"""Where artgan keeps things between runs: one cache root, overridable for CI, tests and clusters."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(configured: str = "") -> Path:
    """``configured`` if given, else ``$ARTGAN_CACHE_DIR``, else ``~/.cache/artgan``."""
    return Path(configured or os.environ.get("ARTGAN_CACHE_DIR") or "~/.cache/artgan").expanduser()

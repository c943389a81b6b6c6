"""Run files live below training: whatever reads a run does not import the training package."""

from __future__ import annotations

import subprocess
import sys

READERS = ["artgan.generation", "artgan.evaluation.evaluate", "artgan.evaluation.report", "artgan.evaluation.ranking",
           "artgan.visual.latent", "artgan.style", "artgan.style.transfer", "artgan.app.runs", "artgan.app.views.monitor",
           "artgan.cli.generate", "artgan.cli.evaluate", "artgan.cli.show"]


def test_readers_of_a_run_do_not_import_training():
    code = f"import sys, {', '.join(READERS)}; print(sorted(m for m in sys.modules if m.startswith('artgan.training')))"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"

"""Run files live below training: whatever reads a run does not import the training package."""

from __future__ import annotations

import subprocess
import sys

# Every module of these packages is imported (the app's pages included; not app.main, the script that
# renders a page when imported), plus the commands that read runs.
READER_PACKAGES = ["artgan.evaluation", "artgan.visual", "artgan.style", "artgan.app"]
READERS = ["artgan.generation", "artgan.export", "artgan.cli.generate", "artgan.cli.evaluate", "artgan.cli.show",
           "artgan.cli.stylize", "artgan.cli.project", "artgan.cli.export"]

CODE = f"""
import importlib, pkgutil, sys
names = {READERS!r}
for package in {READER_PACKAGES!r}:
    names += [m.name for m in pkgutil.walk_packages(importlib.import_module(package).__path__, package + ".")
              if m.name != "artgan.app.main"]
for name in names:
    importlib.import_module(name)
print(len(names), sorted(m for m in sys.modules if m.startswith("artgan.training")))
"""


def test_readers_of_a_run_do_not_import_training():
    count, imported = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                                     check=True).stdout.split(" ", 1)
    assert int(count) > 40 and imported.strip() == "[]"

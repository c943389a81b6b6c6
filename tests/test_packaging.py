"""Installing artgan or any of its extras beside the user's torch never replaces that torch.

An extra that pulls a package requiring a newer torch (torch-fidelity -> torchvision did) makes pip
swap the user's CPU build for gigabytes of CUDA wheels. pip's dry run says what it would install."""

import json
import subprocess
import sys
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
TORCH_STACK = ("torch", "torchvision", "torchaudio", "triton")


def would_install(requirements: list[str], tmp_path: Path) -> dict[str, str]:
    report = tmp_path / "report.json"
    subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report),
                    *requirements], check=True, capture_output=True, timeout=300)
    return {item["metadata"]["name"].lower(): item["metadata"]["version"]
            for item in json.loads(report.read_text())["install"]}


@pytest.mark.slow
@pytest.mark.parametrize("extra", [None, *PROJECT["optional-dependencies"]])
def test_no_extra_changes_the_installed_torch(extra, tmp_path):
    requirements = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    changes = would_install(requirements, tmp_path)
    replaced = {name: version for name, version in changes.items()
                if name in TORCH_STACK or name.startswith("nvidia-")}
    assert not replaced, f"installing {extra or 'artgan'} would install {replaced} over the user's torch"

"""--device auto: a CUDA GPU, else Apple's MPS, else the CPU; mps trains in fp32."""

from __future__ import annotations

import pytest
import torch

from artgan.errors import ArtganError
from artgan import device as devices
from artgan.device import resolve_device
from artgan.training.precision import resolve_precision


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(devices, "mps_available", lambda: mps)
    assert resolve_device("auto").type == expected


def test_mps_is_accepted_where_pytorch_has_it_and_runs_fp32(monkeypatch):
    monkeypatch.setattr(devices, "mps_available", lambda: True)
    assert resolve_device("mps") == torch.device("mps")
    assert resolve_precision("auto", torch.device("mps")) == "fp32"
    monkeypatch.setattr(devices, "mps_available", lambda: False)
    with pytest.raises(ArtganError, match="no Apple-Silicon GPU"):
        resolve_device("mps")

"""TensorBoard shows what the run directory shows: sample grids, the configuration, the curves."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from artgan.config import build_config
from artgan.training import train
from tests.conftest import tiny_overrides


def events(run_path) -> EventAccumulator:
    accumulator = EventAccumulator(str(run_path / "tensorboard"), size_guidance={"images": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def test_every_sample_grid_is_an_image_and_the_config_is_in_hparams(tmp_path):
    run = train(build_config(tiny_overrides(tmp_path, steps=6, sample_every=2, lr_d=3e-4)), out=tmp_path / "run", progress=False)
    board = events(run.path)
    grids = board.Images("samples")
    assert [g.step for g in grids] == [2, 4, 6]
    last = np.asarray(Image.open(io.BytesIO(grids[-1].encoded_image_string)))
    assert np.array_equal(last, np.asarray(Image.open(run.path / "samples" / "step_00000006.png").convert("RGB")))
    assert [s.step for s in board.Scalars("loss_d")] == [2, 4, 6]

    content = board.PluginTagToContent("hparams")
    experiment = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
    assert {m.name.tag for m in experiment.metric_infos} == {"loss_d", "loss_g", "d_real", "d_fake"}
    assert start.hparams["train.lr_d"].number_value == 3e-4
    assert start.hparams["data.source"].string_value == "sklearn:digits"
    assert start.hparams["train.diffaug_policy"].string_value == "color,translation"

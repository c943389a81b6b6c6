"""Runs on the Hugging Face Hub: ``artgan push RUN user/name`` publishes one, and ``hf:user/name``
names one wherever a run directory is accepted (generate, evaluate, show, export, app, stylize).

A published run is a run directory cut down to what sampling needs (``artgan.runs.published``): the generator's
weights as plain safetensors, config.yaml, run.json, the sample grid, the metrics if any, and a
model card. ``resolve_run`` turns ``hf:user/name`` into a local copy of it.
"""

from artgan.hub.resolve import HUB_PREFIX, resolve_run

__all__ = ["HUB_PREFIX", "resolve_run"]

"""Run directories and what they hold: config, data facts, checkpoints and metrics, in their formats.

Below training, generation, evaluation and the app: whatever writes a run (the trainer) and
whatever reads one (sampling, evaluation, the web app) share these files without importing one
another.
"""

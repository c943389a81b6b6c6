"""Training curves as PNG: losses, and D(x) against D(G(z)), the plots the reports drew by hand."""

from __future__ import annotations

from pathlib import Path

from artgan.variants.base import DISCRIMINATOR_OUTPUTS


def plot_training_curves(metrics: dict[str, tuple[list[int], list[float]]], path: Path) -> Path | None:
    """Loss panel and D-output panel side by side; any other logged metric gets its own panel.

    ``metrics`` is what ``artgan.runs.metrics_log.read_metrics`` returns: ``{name: (steps, values)}``.
    """
    if not metrics:
        return None
    losses = [k for k in metrics if k.startswith("loss")]
    probabilities = [k for k in DISCRIMINATOR_OUTPUTS if k in metrics]
    adaptive = [k for k in ("augment_p", "d_real_sign") if k in metrics]
    extras = [k for k in metrics if k not in losses + probabilities + adaptive + ["images_per_second", "lr_g", "lr_d", "epoch", "threads"]]
    panels = [("losses", losses), ("discriminator output: D(x) and D(G(z))", probabilities),
              ("adaptive augmentation: p and E[sign D(x)]", adaptive)]
    panels += [(name, [name]) for name in extras]
    panels = [(title, keys) for title, keys in panels if keys]
    import matplotlib  # here, not at the top: pyplot costs ~0.4 s of every `artgan` start-up that imports training

    matplotlib.use("Agg")  # no display here or on a server; must precede pyplot
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8), squeeze=False)
    for axis, (title, keys) in zip(axes[0], panels):
        for key in keys:
            steps, values = metrics[key]
            axis.plot(steps, values, label=_label(key), linewidth=1.2, marker="o" if len(values) < 20 else None)
        axis.set_title(title)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return Path(path)


def _label(key: str) -> str:
    return {**DISCRIMINATOR_OUTPUTS, "loss_d": "D loss", "loss_g": "G loss",
            "augment_p": "p (ADA)", "d_real_sign": "E[sign D(x)]"}.get(key, key)

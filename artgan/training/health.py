"""Training health: a run can fail without diverging, and should say so while it trains.

The divergence guard (``divergence.py``) catches NaN, inf and values past a limit. A GAN also
fails quietly: D rejects every fake (D(G(z)) near 0 for many steps, so G learns nothing useful:
``--lr-g 10 --lr-d 10`` ran 60 steps with D(x) = 1, D(G(z)) = 0 and exit 0), G's loss climbs
step after step, or every sample becomes the same picture (mode collapse). This looks at values
the trainer already has on the host (each logged row, each fixed-noise grid), so it costs no
extra sync, and names each symptom in the progress bar, on stderr when it starts, and at the end,
with what to try.
"""

from __future__ import annotations

import statistics
import sys
from collections import deque
from dataclasses import dataclass

import torch

from artgan.config import TrainConfig

WINDOW = 5  # logged rows a symptom must last: one bad row is noise, five are a trend
D_WINS_BELOW = 0.01  # mean D(G(z)) over the window: D calls every fake fake
# A BCE loss is ln 2 = 0.69 at balance and a few units when one side leads; 50 means logits past 50,
# a D so sure that its sigmoid saturates (lr 10 gave loss_g near 10,000 with D(G(z)) jumping about).
BCE_SATURATED = 50.0
LOSS_GROWTH = 10.0  # G's loss this many times its early level (and still rising) is running away
# Grid variety as a fraction of the real images': G starts near-constant (0.04 of it at step 30 of a
# healthy digits run, 0.52 at step 170), so only a fall from a higher level counts as collapse.
COLLAPSE_BELOW = 0.15
COLLAPSE_FALL = 0.5  # ... and below this fraction of the best variety the run reached


@dataclass(frozen=True)
class Symptom:
    key: str  # short, for the progress bar
    what: str  # what was seen, with the numbers
    advice: str  # what to try


def variety(images: torch.Tensor) -> float:
    """How different a batch's images are from each other: the per-pixel standard deviation across
    the batch, averaged over pixels, in [0, 1] units. Near 0 when every image is the same one."""
    return float(images.float().div(255).std(dim=0).mean()) if len(images) > 1 else 0.0


class TrainingHealth:
    def __init__(self, t: TrainConfig, real_variety: float):
        self.t, self.real_variety = t, max(real_variety, 1e-6)
        self.rows: deque[dict[str, float]] = deque(maxlen=WINDOW)
        self.early_loss_g: list[float] = []
        self.sample_variety: float | None = None  # of the latest fixed-noise grid, relative to the real images
        self.best_variety = 0.0
        self.reported: set[str] = set()

    def prime(self, metrics: dict[str, tuple[list[int], list[float]]]) -> None:
        """On resume, start from the rows the run logged before it stopped."""
        steps = metrics.get("loss_g", ([], []))[0]
        by_step = {name: dict(zip(*series)) for name, series in metrics.items()}
        self.early_loss_g = metrics.get("loss_g", ([], []))[1][:WINDOW]
        for step in steps[-WINDOW:]:
            self.rows.append({name: values[step] for name, values in by_step.items() if step in values})
        varieties = metrics.get("sample_variety", ([], []))[1]
        if varieties:
            self.sample_variety, self.best_variety = varieties[-1], max(varieties)

    def observe_samples(self, grid: torch.Tensor) -> None:
        self.sample_variety = variety(grid) / self.real_variety
        self.best_variety = max(self.best_variety, self.sample_variety)

    def remember(self, row: dict[str, float]) -> None:
        self.rows.append(row)
        if "loss_g" in row and len(self.early_loss_g) < WINDOW:
            self.early_loss_g.append(row["loss_g"])

    def observe(self, row: dict[str, float]) -> list[Symptom]:
        """Record one logged row; the symptoms present now, and which of them are new."""
        if self.sample_variety is not None:
            row["sample_variety"] = self.sample_variety  # a column of metrics.csv
        self.remember(row)
        return self.symptoms()

    def new(self, symptoms: list[Symptom]) -> list[Symptom]:
        fresh = [s for s in symptoms if s.key not in self.reported]
        self.reported |= {s.key for s in fresh}
        return fresh

    def symptoms(self) -> list[Symptom]:
        if len(self.rows) < WINDOW:
            return []
        found = [self._d_wins(), self._g_loss_runs_away(), self._collapse()]
        return [s for s in found if s is not None]

    def _mean(self, key: str) -> float | None:
        values = [row[key] for row in self.rows if key in row]
        return statistics.fmean(values) if len(values) == len(self.rows) else None

    def _d_wins(self) -> Symptom | None:
        fake, real = self._mean("d_fake"), self._mean("d_real")
        if fake is None:  # not a BCE variant: its critic scores have no fixed scale
            return None
        loss = statistics.median(abs(row.get("loss_g", 0.0)) for row in self.rows)
        if fake <= D_WINS_BELOW:
            what = (f"D wins outright: D(G(z)) = {fake:.3f}, D(x) = {real:.3f} over the last {WINDOW} logged steps, "
                    "so G gets no useful signal")
        elif loss > BCE_SATURATED:
            what = (f"D's outputs saturate: G's loss is {loss:.4g} over the last {WINDOW} logged steps (a few units "
                    "when training works), so G's gradients say nothing useful")
        else:
            return None
        t = self.t
        tips = [f"lower --lr-d (e.g. {t.lr_d / 4:g})"]
        if max(t.lr_g, t.lr_d) > 1e-2:
            tips = [f"learning rates near 2e-4: --lr-g {t.lr_g:g} --lr-d {t.lr_d:g} are far above what GANs train with"]
        tips += ["--label-smoothing 0.2" if t.label_smoothing == 0 else None, None if t.diffaug else "--diffaug",
                 "--r1 10" if t.r1 == 0 else None, "--instance-noise 0.1" if t.instance_noise == 0 else None]
        return Symptom("D wins", what, _tips(tips))

    def _g_loss_runs_away(self) -> Symptom | None:
        losses = [row["loss_g"] for row in self.rows if "loss_g" in row]
        if len(losses) < WINDOW or len(self.early_loss_g) < WINDOW:
            return None
        early, now = abs(statistics.median(self.early_loss_g)), abs(statistics.median(losses))
        rising = losses[-1] > losses[0]
        if not (rising and now > LOSS_GROWTH * max(early, 1.0)):
            return None
        tips = [f"lower learning rates (e.g. --lr-g {self.t.lr_g / 2:g} --lr-d {self.t.lr_d / 2:g})",
                "--max-grad-norm 10" if self.t.max_grad_norm == 0 else None, "--r1 10" if self.t.r1 == 0 else None]
        return Symptom("G loss rising", f"G's loss keeps climbing: {now:.4g} now against {early:.4g} at the start",
                       _tips(tips))

    def _collapse(self) -> Symptom | None:
        if self.sample_variety is None or self.sample_variety >= min(COLLAPSE_BELOW, COLLAPSE_FALL * self.best_variety):
            return None
        t = self.t
        tips = [None if t.diffaug else "--diffaug", "--replay 0.5" if t.replay == 0 else None,
                f"a lower --lr-g (e.g. {t.lr_g / 2:g})", "--model wgan-gp or sngan"]
        return Symptom("samples collapsed", f"the samples have collapsed: the fixed-noise grid varies "
                                            f"{self.sample_variety:.0%} as much as the real images (it reached "
                                            f"{self.best_variety:.0%})", _tips(tips))


def _tips(tips: list[str | None]) -> str:
    return "try " + "; ".join(tip for tip in tips if tip)


def symptom_line(symptom: Symptom) -> str:
    return f"{symptom.what} ({symptom.advice})"


def describe(symptoms: list[Symptom]) -> str:
    return "; ".join(map(symptom_line, symptoms))


def report_at_end(health: TrainingHealth, run, step: int) -> None:
    """A run that ends unhealthy says so in its last words and in run.json (the app shows it)."""
    symptoms = health.symptoms()
    run.update_info(health=[symptom_line(s) for s in symptoms])
    if symptoms:
        print(f"artgan: warning: training finished, but the run looks failed at step {step}: "
              f"{describe(symptoms)}", file=sys.stderr)

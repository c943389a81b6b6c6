"""Runs: every run under the runs folder, and for one of them the latest samples, the timelapse
so far and the curves, refreshing by itself while it trains."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st
from PIL import Image

from artgan.app.common import pick_run, runs_root, show
from artgan.app.jobs import log_tail, pending_jobs, resume_training, running_pid, stop_training
from artgan.app.runs import RunSummary, read_run, scan_runs
from artgan.errors import ArtganError
from artgan.runs.metrics_log import read_metrics
from artgan.variants.base import DISCRIMINATOR_OUTPUTS
from artgan.visual.grid import timelapse_gif

REFRESH_SECONDS = 5
CURVE_PANELS = {  # panel title -> which metrics.csv columns it plots (the CLI's training_curves.png panels)
    "Losses": lambda name: name.startswith("loss"),
    "Discriminator output: D(x) and D(G(z))": lambda name: name in DISCRIMINATOR_OUTPUTS,
    "Adaptive augmentation: p (--augment ada) and E[sign D(x)]": lambda name: name in ("augment_p", "d_real_sign"),
    "Sample variety (1 = as varied as the real images; a fall is mode collapse)": lambda name: name == "sample_variety",
}
NOT_CURVES = {"images_per_second", "epoch", "lr_g", "lr_d", "threads"}


def render() -> None:
    st.title("Runs")
    runs, broken = scan_runs(runs_root())
    if runs:
        st.dataframe(runs_table(runs), hide_index=True)
    for run in broken:  # listed, not fatal: one bad run must not hide the others
        st.warning(f"Run {run.name!r} cannot be shown: {run.reason}")
    pending = pending_jobs(runs_root())
    if pending:
        st.fragment(run_every=REFRESH_SECONDS)(preparing)(len(pending))
    run = pick_run("monitor_run", need_checkpoint=False)
    if run is None:
        return
    training = run.state() == "training"
    auto = st.toggle(f"Refresh every {REFRESH_SECONDS} s", value=training, key=f"monitor_refresh_{run.name}",
                     help="on by default while the run is training")
    st.fragment(run_every=REFRESH_SECONDS if auto else None)(show_run)(run.path, run.name)


def runs_table(runs: list[RunSummary]) -> pd.DataFrame:
    now = time.time()
    return pd.DataFrame([{
        "run": run.name, "variant": run.variant, "data": run.source, "size": f"{run.size}px",
        "classes": len(run.class_names or []), "trained to step": run.trained_step, "of": run.plan or None,
        "checkpoint step": run.step, "best (KID)": f"{run.best.step} ({run.best.score:.4f})" if run.best else "",
        "state": run.state(now), "updated": f"{_ago(now - run.updated)} ago",
    } for run in runs])


def show_run(path, name: str) -> None:
    run = read_run(path, runs_root())  # read afresh on every refresh
    if run is None:
        st.warning(f"Run {name!r} is gone or unreadable.")
        return
    metrics = read_metrics(run.path)
    speed = metrics.get("images_per_second", ([], [0.0]))[1][-1]
    state = run.state()
    cells = st.columns(4)
    cells[0].metric("State", state)
    cells[1].metric("Trained to step", f"{run.trained_step}" + (f" / {run.plan}" if run.plan else ""),
                    help=f"the newest checkpoint is at step {run.step}; Generate samples step {run.sampled_step}")
    cells[2].metric("Images / s", f"{speed:.0f}")
    cells[3].metric("Updated", f"{_ago(time.time() - run.updated)} ago")
    if run.best:
        st.caption(f"The {run.best_note} (the lowest KID that --eval-every measured); Generate, Explore, Compare "
                   "and Judge sample it.")
    controls(run, state, started=bool(metrics))

    frames = run.sample_frames
    left, right = st.columns(2)
    with left:
        st.subheader("Latest samples")
        newest = newest_readable(frames)
        if newest is not None:
            path, image = newest
            damaged = f" (the newer {frames[-1].name} cannot be read)" if path != frames[-1] else ""
            show(image, f"fixed noise, step {int(path.stem.split('_')[-1])}{damaged}")
        elif frames:
            st.warning(f"None of the {len(frames)} sample grids can be read as an image.")
        else:
            st.info("No sample grid yet: the trainer writes one every `--sample-every` steps.")
    with right:
        st.subheader("Timelapse so far")
        gif = timelapse_gif(frames, min_side=384) if len(frames) > 1 else None
        if gif is not None:
            st.image(gif, caption=f"{len(frames)} grids")
        else:
            st.info("The timelapse starts once there are two sample grids.")

    st.subheader("Curves")
    if not metrics:
        st.info("No metrics logged yet: the trainer logs every `--log-every` steps.")
    for title, keys in curve_panels(metrics).items():
        st.caption(title)
        st.line_chart(pd.DataFrame({key: pd.Series(metrics[key][1], index=metrics[key][0]) for key in keys}))


def newest_readable(frames: list) -> tuple | None:
    """The newest sample grid that decodes, with its image: a damaged (or half-copied) one is skipped."""
    for path in reversed(frames[-10:]):
        try:
            with Image.open(path) as image:
                image.load()
                return path, image.copy()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            continue
    return None


def controls(run: RunSummary, state: str, started: bool) -> None:
    """Stop (the trainer saves a checkpoint first) and Resume (from the newest checkpoint)."""
    pid = running_pid(run.path)
    if pid is not None and not started:  # the trainer saves on a signal only once its loop runs
        st.info("Building the networks; Stop appears with the first logged step.")
        return
    if pid is not None:
        if st.button("Stop (saves a checkpoint)", key="monitor_stop", icon=":material/stop:"):
            stop_training(run.path)
            st.toast(f"Asked {run.name} to stop; it saves a checkpoint at the end of this step.")
        return
    if state == "stopped" and run.has_checkpoint:  # "training" without a pid: started elsewhere, leave it be
        if st.button(f"Resume from step {run.step}", key="monitor_resume", type="primary", icon=":material/play_arrow:"):
            try:
                resume_training(run.path)
            except (ArtganError, OSError) as error:
                st.error(str(error))
                return
            st.toast(f"Resumed {run.name} from step {run.step}.")
            st.rerun(scope="app")  # the page switches its auto-refresh on
    tail = log_tail(run.path)
    if tail and state != "finished":
        with st.expander("Trainer output"):
            st.code(tail, language=None)


def preparing(shown: int) -> None:
    """Runs the app started that have not written run.json: loading their data, or failed doing so."""
    pending = pending_jobs(runs_root())
    if len(pending) < shown:
        st.rerun(scope="app")  # one started training: it joins the table and the picker
    for path in pending:
        pid = running_pid(path)
        if pid is not None:
            st.info(f"**{path.name}** is preparing its images (trainer pid {pid})...")
        else:
            st.error(f"**{path.name}** stopped before its first step:\n\n```\n{log_tail(path)}\n```")


def curve_panels(metrics: dict) -> dict[str, list[str]]:
    """Losses, D outputs, then one panel per other metric (FID, IS, ... when the run logs them)."""
    panels = {title: [name for name in metrics if wanted(name)] for title, wanted in CURVE_PANELS.items()}
    placed = {name for names in panels.values() for name in names} | NOT_CURVES
    panels.update({name: [name] for name in metrics if name not in placed})
    return {title: names for title, names in panels.items() if names}


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 172800 else f"{seconds / 86400:.0f} days"

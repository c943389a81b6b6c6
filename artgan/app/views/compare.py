"""Compare: two to four runs side by side: the same seed's grids, curves overlaid, evaluation metrics."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from artgan.app.common import figures_table, model_for, runs_root, show
from artgan.app.runs import RunSummary, find_runs
from artgan.runs.best import BEST_FILE
from artgan.runs.metrics_log import read_metrics
from artgan.visual.grid import make_grid

MAX_RUNS = 4
ROWS = {"model": "model", "floor: average image": "floor (average image)", "floor: noise": "floor (noise)",
        "ceiling: real held-out": "ceiling (real)"}


def render() -> None:
    st.title("Compare")
    st.caption("The same seed through each run's generator, their curves on one chart, and their evaluations "
               "between floor and ceiling. Figures compare only within one data set and feature space.")
    runs = [run for run in find_runs(runs_root()) if run.has_checkpoint]
    if len(runs) < 2:
        st.info("Compare needs two trained runs; start another on the Train page.")
        return
    by_name = {run.name: run for run in runs}
    chosen = st.multiselect("Runs", list(by_name), default=list(by_name)[:2], max_selections=MAX_RUNS, key="compare_runs",
                            format_func=lambda name: by_name[name].label)
    if len(chosen) < 2:
        st.info("Choose at least two runs.")
        return
    picked = [by_name[name] for name in chosen]
    grids(picked)
    curves(picked)
    metrics(picked)


def grids(runs: list[RunSummary]) -> None:
    st.subheader("Same seed, each run")
    left, right = st.columns(2)
    seed = int(left.number_input("Seed", 0, 2**31 - 1, 0, key="compare_seed"))
    n = right.slider("Images", 4, 36, 16, key="compare_n")
    columns = st.columns(len(runs))
    for column, run in zip(columns, runs):
        with column, st.spinner(f"Sampling {run.name}..."):
            model = model_for(run)
            show(make_grid(model.sample(n, seed)), f"{run.name} · " + (run.best_note or f"step {run.step}"), min_side=320)


def curves(runs: list[RunSummary]) -> None:
    logs = {run.name: read_metrics(run.path) for run in runs}
    shared = sorted(set.intersection(*(set(log) for log in logs.values())) - {"epoch", "lr_g", "lr_d"})
    st.subheader("Curves")
    if not shared:
        st.info("These runs log no metric in common.")
        return
    default = "loss_g" if "loss_g" in shared else shared[0]
    name = st.selectbox("Metric", shared, index=shared.index(default), key="compare_metric")
    st.line_chart(overlaid(logs, name), x_label="step", y_label=name)


def overlaid(logs: dict[str, dict], name: str) -> pd.DataFrame:
    """One column per run, indexed by step (runs logged at different steps leave gaps)."""
    return pd.DataFrame({run: pd.Series(log[name][1], index=log[name][0]) for run, log in logs.items()})


def metrics(runs: list[RunSummary]) -> None:
    st.subheader("Evaluation")
    table = metrics_table(runs)
    if table.empty:
        st.info("No run here has been evaluated yet: evaluate each on the Judge page (or `artgan evaluate RUN`).")
        return
    figures_table(table)
    spaces = set(table["features"])
    if len(spaces) > 1:
        st.warning(f"These evaluations used different feature spaces ({', '.join(sorted(spaces))}); their FID and KID "
                   "are not on one scale, only each against its own floors and ceiling. To compare them, evaluate "
                   "them in one space: on Judge, a run not evaluated yet can take another run's classifier.")
    missing = [run.name for run in runs if not (run.path / "evaluation" / "metrics.json").is_file()]
    if missing:
        st.caption("Not evaluated yet: " + ", ".join(missing))


def metrics_table(runs: list[RunSummary]) -> pd.DataFrame:
    """KID, FID, precision and recall of each evaluated run's model row beside its floors and ceiling."""
    rows = []
    for run in runs:
        result = read_evaluation(run)
        if result is None:
            continue
        for key, label in ROWS.items():
            row = result["rows"].get(key)
            if row is not None:
                best = result.get("checkpoint") == BEST_FILE
                rows.append({"run": run.name, "row": label, "step": result.get("step"), "checkpoint": "best" if best else "",
                             "features": result.get("feature_space") or result.get("features"),
                             "KID": row.get("kid"), "FID": row.get("fid"), "precision": row.get("precision"),
                             "recall": row.get("recall")})
    return pd.DataFrame(rows)


def read_evaluation(run: RunSummary) -> dict | None:
    try:
        result = json.loads((run.path / "evaluation" / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    return result if isinstance(result.get("rows"), dict) else None

"""Judge: evaluate a run from the page (in the background), then its metrics between floor and
ceiling, the report, the discriminator's favourite and least favourite samples, and the samples
nearest to a training image."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import streamlit as st
from PIL import Image

from artgan.app.common import figures_table, model_for, pick_run, png_bytes, runs_root, show
from artgan.app.jobs import EVALUATE_LOG, log_tail, running_pid, start_evaluation
from artgan.app.runs import find_runs
from artgan.errors import ArtganError

POLL_SECONDS = 2
SIZES = [10, 50, 100, 250, 500, 1000, 2000]
CLASSIFIER = "classifier.safetensors"  # the domain classifier evaluate trains once per run and reuses
OWN = "a new one, trained on this run's data"
PERCENT = re.compile(r"(\d+)%\|")
COLUMNS = {"fid": "FID", "kid": "KID", "precision": "precision", "recall": "recall", "is": "IS"}


def render() -> None:
    st.title("Judge")
    st.caption("How good is a run? `artgan evaluate` scores its samples against real images beside an average-image "
               "and a noise floor and a real held-out ceiling; the discriminator ranks its samples; the memorisation "
               "check finds samples that copy a training image.")
    run = pick_run("judge_run")
    if run is None:
        return
    st.fragment(run_every=POLL_SECONDS if evaluating(run.path) else None)(evaluation)(run.path, run.name, run.sampled_step)
    ranking(run)


def evaluating(path) -> bool:
    return running_pid(path / "evaluation", "evaluate", path) is not None


def evaluation(path, name: str, step: int) -> None:
    folder = path / "evaluation"
    if evaluating(path):
        line = log_tail(folder, 1, EVALUATE_LOG)
        match = PERCENT.search(line)
        st.progress(int(match.group(1)) / 100 if match else 0.0, text=f"Evaluating {name}: {line[:120] or 'starting...'}")
        st.session_state["judge_was_running"] = True
        return
    if st.session_state.pop("judge_was_running", False):
        st.rerun(scope="app")  # finished: the page stops polling and shows the result
    result = read_result(folder)
    options = evaluation_options(path)
    left, right = st.columns([1, 3])
    n = left.select_slider("Images per row", SIZES, result["n"] if result and result.get("n") in SIZES else 1000, key="judge_n",
                           help="more images, steadier figures, longer to compute (10-50: a quick look; figures are noisy)")
    label = "Evaluate again" if result else "Evaluate"
    if right.button(f"{label} at step {step}", type="primary", key="judge_evaluate"):
        try:
            start_evaluation(path, n, *options())
        except (ArtganError, OSError) as error:
            st.error(str(error))
            return
        st.rerun(scope="app")
    if result is None:
        tail = log_tail(folder, 8, EVALUATE_LOG)
        if tail:
            st.error(f"The last evaluation did not finish:\n\n```\n{tail}\n```")
        return
    show_result(folder, result, step)


def evaluation_options(path: Path):
    """The feature-space choice; returns a function giving `artgan evaluate`'s extra options, called on Evaluate.

    Each run's first evaluation trains a domain classifier that later ones reuse. Two runs measured
    in two classifiers are not on one scale, so a run with no classifier yet is offered the one of
    another run on the same data: copied into its evaluation folder, as if trained there."""
    own = path / "evaluation" / CLASSIFIER
    if own.is_file():
        st.caption("Feature space: this run's domain classifier (trained at its first evaluation).")
        return lambda: []
    shared = same_data_classifiers(path)
    choice = st.selectbox("Feature space (domain classifier)", [OWN, *shared], index=1 if shared else 0, key="judge_space",
                          help="runs measured with the same classifier can be compared on the Compare page")
    if choice != OWN:
        return lambda: copy_classifier(shared[choice], own)
    steps = st.select_slider("Classifier training steps", [10, 50, 100, 200, 400, 800], 400, key="judge_classifier_steps",
                             help="trained once for this run; fewer steps, a quicker but coarser feature space")
    return lambda: ["--classifier-steps", str(steps)]


def same_data_classifiers(path: Path) -> dict[str, Path]:
    """Other runs' domain classifiers for the same data set and image size, by a label to pick them."""
    runs = find_runs(runs_root())
    this = next((run for run in runs if run.path == path), None)
    if this is None:
        return {}
    return {f"the one of run {run.name}": run.path / "evaluation" / CLASSIFIER for run in runs
            if run.path != path and (run.source, run.size, run.channels) == (this.source, this.size, this.channels)
            and (run.path / "evaluation" / CLASSIFIER).is_file()}


def copy_classifier(source: Path, target: Path) -> list[str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return []


def read_result(folder) -> dict | None:
    try:
        result = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    return result if isinstance(result.get("rows"), dict) else None


def show_result(folder, result: dict, step: int) -> None:
    stale = f" (the run is now at step {step})" if result.get("step") != step else ""
    st.subheader(f"Metrics at step {result.get('step')}{stale}")
    st.caption(f"{result.get('n')} images per row against {result.get('reference_images')} real images, "
               f"features: {result.get('features')}. Lower FID/KID and higher precision/recall are better; "
               "the model's figures mean something only between its floors and its ceiling.")
    figures_table(pd.DataFrame([{"row": name, **{title: row.get(key) for key, title in COLUMNS.items() if key in row}}
                                for name, row in result["rows"].items()]))
    memorisation = result.get("memorisation") or {}
    if memorisation:
        st.caption(f"Memorisation: {memorisation.get('copy_rate', 0):.1%} of samples are nearer to a training image "
                   "than 99% of real held-out images are (a copying generator scores high).")
    if "per_class" in result:
        st.caption("Per class: each class's samples against that class's real images.")
        figures_table(pd.DataFrame([{"class": name, **row} for name, row in result["per_class"].items()]))
    figures = [(folder / "memorisation.png", "Nearest training images",
                "the samples nearest to a training image, then their 3 nearest training images"),
               (folder / "training_curves.png", "Training curves", "losses, D(x), D(G(z)) and the metrics tracked in training")]
    for figure, title, caption in figures:
        if figure.is_file():
            st.subheader(title)
            show(Image.open(figure), caption, min_side=0)
    report = folder / "report.html"
    if report.is_file():
        st.download_button("Download the report (HTML)", report.read_bytes(), "report.html", "text/html",
                           key="judge_report", on_click="ignore")


@st.cache_data(max_entries=8, show_spinner=False)
def ranked_figure(path: str, step: int, k: int, n: int) -> bytes:
    """The ranking figure as PNG, once per checkpoint (``step`` keys the cache) and choice of k and n."""
    from artgan.evaluation.figures import ranking_figure
    from artgan.evaluation.ranking import load_discriminator, rank_samples
    from artgan.generation import load_generator

    model = load_generator(path)
    return png_bytes(ranking_figure(rank_samples(model, load_discriminator(path, model), n=n, k=k)))


def ranking(run) -> None:
    st.subheader("Ranked by the discriminator")
    model_for(run)  # a run this install cannot load says so here
    left, right = st.columns(2)
    k = left.slider("Top and bottom k", 2, 16, 8, key="judge_k")
    n = right.select_slider("Samples ranked", [64, 128, 256, 512], 256, key="judge_ranked")
    with st.spinner("Ranking samples by D..."):
        try:
            figure = ranked_figure(str(run.path), run.sampled_step, k, n)
        except ArtganError as error:
            st.error(str(error))
            return
    show(Image.open(io.BytesIO(figure)), f"top-{k} and bottom-{k} of {n} samples; D's probability "
         "of 'real' (D=) or a critic's score (C=) under each", min_side=640)
    st.download_button("Download the ranking (PNG)", figure, f"{run.path.name}-ranking.png", "image/png",
                       key="judge_ranking_download", on_click="ignore")

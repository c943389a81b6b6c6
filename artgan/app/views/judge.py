"""Judge: evaluate a run from the page (in the background), then its metrics between floor and
ceiling, the report, the discriminator's favourite and least favourite samples, and the samples
nearest to a training image."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import streamlit as st
from PIL import Image

from artgan.app.common import model_for, pick_run, png_bytes, show
from artgan.app.jobs import EVALUATE_LOG, log_tail, running_pid, start_evaluation
from artgan.errors import ArtganError

POLL_SECONDS = 2
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
    left, right = st.columns([1, 3])
    n = left.select_slider("Images per row", [100, 250, 500, 1000, 2000], 1000, key="judge_n",
                           help="more images, steadier figures, longer to compute")
    label = "Evaluate again" if result else "Evaluate"
    if right.button(f"{label} at step {step}", type="primary", key="judge_evaluate"):
        try:
            start_evaluation(path, n)
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
    st.dataframe(pd.DataFrame([{"row": name, **{title: row.get(key) for key, title in COLUMNS.items() if key in row}}
                               for name, row in result["rows"].items()]), hide_index=True)
    memorisation = result.get("memorisation") or {}
    if memorisation:
        st.caption(f"Memorisation: {memorisation.get('copy_rate', 0):.1%} of samples are nearer to a training image "
                   "than 99% of real held-out images are (a copying generator scores high).")
    figure = folder / "memorisation.png"
    if figure.is_file():
        st.subheader("Nearest training images")
        st.image(Image.open(figure), caption="the samples nearest to a training image, then their 3 nearest training images")
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

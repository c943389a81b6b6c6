"""Widgets and helpers every page shares: the runs folder, the run and class pickers, a cached
generator, and images turned into things a browser can show or download."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import streamlit as st
import torch
from PIL import Image

from artgan.app.runs import RUNS_ENV, RunSummary, find_runs
from artgan.errors import ArtganError
from artgan.visual.grid import to_pil, upscale

MIXED = "mixed (one of each class in turn)"
ZOOM_KEY = "zoom"
ZOOMS = [1.0, 1.5, 2.0, 3.0]
NEXT_RUN = "next_run"  # session key: the run a page started, to be picked once it is listed


def runs_root() -> Path:
    return Path(os.environ.get(RUNS_ENV) or "runs").expanduser().resolve()


def pick_run(key: str, need_checkpoint: bool = True) -> RunSummary | None:
    """A select box of the runs under the runs folder; explains what to do when there is none.

    The choice is remembered across pages (one ``run`` entry in the session), so switching from
    Generate to Explore keeps the same run."""
    root = runs_root()
    runs = [run for run in find_runs(root) if run.has_checkpoint or not need_checkpoint]
    if not runs:
        st.info(f"No trained run in `{root}` yet. Train one with `artgan train --out {root / 'my-run'}`, "
                "or start the app on another folder with `artgan app --runs DIR`.")
        return None
    names = [run.name for run in runs]
    if st.session_state.get(NEXT_RUN) in names:  # a run just started here, now ready to show
        st.session_state[key] = st.session_state["run"] = st.session_state.pop(NEXT_RUN)
    remembered = st.session_state.get("run")
    # a widget whose state is set keeps it; a default passed beside it would only draw a warning
    index = names.index(remembered) if remembered in names and key not in st.session_state else 0
    labels = {run.name: run.label for run in runs}
    name = st.selectbox("Run", names, index=index, format_func=labels.get, key=key)
    st.session_state["run"] = name
    return runs[names.index(name)]


@st.cache_resource(max_entries=4, show_spinner="Loading the generator...")
def load_model(path: str, step: int):
    """The run's generator (its best checkpoint when it kept one, else the newest), loaded once per
    checkpoint (``step`` keys the cache: a newer best or newest checkpoint loads afresh)."""
    from artgan.generation import load_generator

    return load_generator(path)


def model_for(run: RunSummary):
    """The run's generator; a run this install cannot load (a variant it lacks, a damaged
    checkpoint) stops the page with the reason instead of a traceback."""
    try:
        return load_model(str(run.path), run.sampled_step)
    except ArtganError as error:
        st.error(f"Cannot load run {run.name!r}: {error}")
        st.stop()


def pick_class(model, key: str, mixed: bool = True) -> str | None:
    """The class/style to draw for conditional models; None for unconditional ones or 'mixed'."""
    if not model.conditional or not model.class_names:
        return None
    options = ([MIXED] if mixed else []) + list(model.class_names)
    choice = st.selectbox("Class / style", options, key=key)
    return None if choice == MIXED else choice


def tiles(images: torch.Tensor) -> list[Image.Image]:
    """uint8 (N, C, H, W) -> N PIL images."""
    return [to_pil(array) for array in images.permute(0, 2, 3, 1).cpu().numpy()]


def zoom_control() -> None:
    """The sidebar's zoom, shared by every page's images (``show`` reads it)."""
    st.sidebar.select_slider("Image zoom", ZOOMS, 1.0, key=ZOOM_KEY, format_func=lambda zoom: f"{zoom:g}x",
                             help="enlarge every grid, up to the width of its column (pixels stay crisp); "
                                  "an image's full-screen button (its top right corner) fills the screen")


def show(image: Image.Image, caption: str | None = None, min_side: int = 384) -> None:
    """Small GAN outputs enlarged with nearest neighbour so their pixels stay crisp, times the zoom."""
    zoom = float(st.session_state.get(ZOOM_KEY, 1.0))
    st.image(upscale(image, round(max(min_side, min(image.size)) * zoom) if zoom != 1 else min_side),
             caption=caption, output_format="PNG")


def figures_table(frame) -> None:
    """A small table of scores as plain HTML (readable without scrolling, and in screenshots),
    each number to four significant digits."""
    numbers = frame.select_dtypes("number").columns
    st.table(frame.style.format("{:.4g}", subset=list(numbers), na_rep="-").hide(axis="index"))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def zip_of_pngs(images: list[Image.Image], prefix: str = "") -> bytes:
    """Every image as its own PNG in one zip, built in memory (the app writes no files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNG is compressed already
        for index, image in enumerate(images):
            archive.writestr(f"{prefix}{index:05d}.png", png_bytes(image))
    return buffer.getvalue()

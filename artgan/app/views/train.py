"""Train: pick or upload images, a preset, a size and a budget; start a detached `artgan train`."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import streamlit as st

from artgan.app.common import NEXT_RUN, runs_root
from artgan.app.datasets import DATA_ENV, MAX_FILES, MAX_ZIP_BYTES, ArchiveError, check_images, data_folders, unpack_images
from artgan.app.jobs import TrainRequest, check_run_name, start_training
from artgan.config import TrainConfig
from artgan.errors import ArtganError

BUILTIN = {"The built-in art set (builtin:art)": "builtin:art", "Handwritten digits (sklearn:digits)": "sklearn:digits"}
FOLDER, UPLOAD = "A folder on this machine", "A zip of images"
DEFAULT_PRESET = "default recipe (dcgan, DiffAugment, label smoothing)"
UPLOADS = ".uploads"  # under the runs folder; hidden from the run list


def data_root() -> Path | None:
    value = os.environ.get(DATA_ENV)
    return Path(value).expanduser().resolve() if value else None


def render() -> None:
    st.title("Train")
    st.caption("Starts `artgan train` as its own process: closing this tab or restarting the app does not stop it. "
               "Watch, stop and resume it on the Runs page.")
    source = choose_data()
    request = choose_recipe(source)
    name = st.text_input("Run name", value=default_name(request) if request else "", key="train_name",
                         help=f"a new folder under {runs_root()}")
    if st.button("Start training", type="primary", disabled=request is None, key="train_start"):
        launch(request, name)
    started = st.session_state.get("train_started")
    if started:
        st.success(f"Training **{started}**. Its samples and curves appear on the Runs page as it goes.")
        from artgan.app.views import monitor

        st.page_link(st.Page(monitor.render, title="Runs", url_path="runs"), label=f"Watch {started} on Runs",
                     icon=":material/monitoring:")


def choose_data() -> str | None:
    """A --data source the app has checked, or None until one is chosen."""
    root = data_root()
    kinds = list(BUILTIN) + [FOLDER, UPLOAD]
    kind = st.radio("Images", kinds, key="train_kind", horizontal=True)
    if kind in BUILTIN:
        return BUILTIN[kind]
    if kind == FOLDER:
        if root is None:
            st.info("Start the app with `artgan app --data-root DIR` to train on folders under DIR.")
            return None
        folders = data_folders(root)
        if not folders:
            st.info(f"No folder of images under `{root}` (PNG, JPEG, WebP, BMP, GIF or TIFF; "
                    "class sub-folders become labels).")
            return None
        names = [str(folder.relative_to(root)) if folder != root else "." for folder in folders]
        index = st.selectbox(f"Folder under {root}", range(len(names)), format_func=names.__getitem__, key="train_folder")
        return str(folders[index])
    return uploaded_folder()


def uploaded_folder() -> str | None:
    """The folder an uploaded zip was unpacked to (once per upload), or None."""
    upload = st.file_uploader(f"Zip of images (up to {MAX_ZIP_BYTES // 2**20} MB and {MAX_FILES:,} images; "
                              "class sub-folders become labels)", type=["zip"], key="train_zip")
    if upload is None:
        return None
    unpacked = st.session_state.setdefault("train_unpacked", {})
    if upload.file_id not in unpacked:
        folder = runs_root() / UPLOADS / f"{Path(upload.name).stem[:40]}-{uuid.uuid4().hex[:8]}"
        try:
            with st.spinner("Unpacking..."):
                folder, count = unpack_images(upload.getvalue(), folder)
        except ArchiveError as error:
            st.error(str(error))
            return None
        unpacked[upload.file_id] = (str(folder), count)
    return unpacked[upload.file_id][0]


def choose_recipe(source: str | None) -> TrainRequest | None:
    from artgan.variants import VARIANTS

    presets = [DEFAULT_PRESET] + sorted(VARIANTS)
    columns = st.columns(3)
    preset = columns[0].selectbox("Preset", presets, key="train_preset",
                                  help="each variant with its own defaults, as `artgan train --model NAME` runs it")
    size = columns[1].select_slider("Image size (px)", [16, 32, 64, 128], 32, key="train_size")
    minutes = 0.0
    budget = columns[2].radio("Stop after", ["a time budget", "a number of steps"], key="train_budget", horizontal=True,
                              help="artists think in time: a budget trains until that much wall-clock time is spent")
    if budget == "a time budget":
        minutes = float(columns[2].number_input("Time budget (minutes)", 0.5, 24 * 60.0, 5.0, 0.5, key="train_minutes",
                                                help="training stops when this much wall-clock time is spent"))
        steps = 1_000_000
    else:
        steps = int(columns[2].number_input("Steps", 10, 1_000_000, 3000, 100, key="train_steps",
                                            help="generator updates; about 5 minutes for 3000 at 32 px on a laptop CPU"))
    if source is None:
        return None
    model = "dcgan" if preset == DEFAULT_PRESET else preset
    images = checked(source, size)
    if not images:
        return None
    batch = images if images < TrainConfig.batch else 0  # `artgan train` refuses a batch larger than the data
    return TrainRequest(data=source, model=model, size=size, steps=steps, minutes=minutes, batch=batch)


def checked(source: str, size: int) -> int:
    """Load the images as training will, once per source and size; show what was found; 0 = unusable."""
    results = st.session_state.setdefault("train_checks", {})
    if (source, size) not in results:
        try:
            with st.spinner("Checking the images as `artgan train` will read them..."):
                results[(source, size)] = check_images(source, size)
        except ArtganError as error:
            results[(source, size)] = str(error)
    result = results[(source, size)]
    if isinstance(result, str):
        st.error(result)
        return 0
    classes = f" in {len(result.class_names)} classes ({', '.join(result.class_names[:8])})" if result.class_names else ""
    skipped = (f"; {result.skipped} files skipped as unreadable, e.g. {result.skipped_examples[0]}"
               if result.skipped else "")
    st.caption(f"{result.images:,} images{classes}{skipped}.")
    return result.images


def default_name(request: TrainRequest) -> str:
    data = Path(request.data).name.split("-")[0] if "/" in request.data else request.data.split(":")[-1]
    return f"{request.model}-{data}-{request.size}px-{time.strftime('%m%d-%H%M')}"


def launch(request: TrainRequest, name: str) -> None:
    try:
        out = check_run_name(name.strip(), runs_root())
        start_training(request, out)
    except (ArtganError, OSError) as error:
        st.error(str(error))
        return
    st.session_state["train_started"] = out.name
    st.session_state[NEXT_RUN] = out.name  # Runs opens on it once it is listed

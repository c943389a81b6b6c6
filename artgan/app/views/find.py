"""Find: upload an artwork and find the closest image the model can draw (GAN inversion)."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st

from artgan.app.common import model_for, pick_run, png_bytes, show
from artgan.app.uploads import FORMATS, UploadError, read_upload
from artgan.visual.animation import gif_bytes, mp4_available, mp4_bytes
from artgan.visual.grid import make_grid, to_pil

RESULT_KEY = "find_result"
VGG_NOTE = "find_vgg_missing"  # why the last search ran without VGG-19 features


def render() -> None:
    st.title("Find your painting")
    st.caption("GAN inversion, as stylegan2-ada's projector: the latent vector (and, for conditional runs, the class) "
               "is optimized until the generator draws your image as closely as it can. Same as `artgan project RUN IMAGE`.")
    run = pick_run("find_run")
    if run is None:
        return
    model = model_for(run)
    upload = st.file_uploader(f"Your artwork ({', '.join(FORMATS)})", key="find_upload")
    left, right = st.columns(2)
    steps = left.slider("Optimization steps", 20, 1000, 200, 20, key="find_steps",
                        help="more steps, closer image; conditional runs add a short trial of each class")
    seed = int(right.number_input("Seed (start and interpolation end)", 0, 2**31 - 1, 0, key="find_seed"))
    if upload is None:
        return
    try:
        artwork = read_upload(upload.getvalue(), upload.name)
    except UploadError as error:
        st.error(str(error))
        return
    if st.button("Find it in the model", type="primary", key="find_go"):
        st.session_state[RESULT_KEY] = (run.name, run.step, upload.file_id, search(run, model, artwork, steps, seed))
    result = st.session_state.get(RESULT_KEY)
    if result and result[:3] == (run.name, run.step, upload.file_id):
        show_result(run, model, result[3], seed)


def search(run, model, artwork, steps: int, seed: int):
    from artgan.cli.project import loss_networks
    from artgan.evaluation.projection import project

    with st.spinner("Loading the loss's networks..."):  # VGG-19's 548 MB take seconds to read
        features, vgg, vgg_missing = loss_networks(run.path, model, use_vgg=True)
    st.session_state[VGG_NOTE] = vgg_missing
    bar = st.progress(0.0, text="Looking for it...")

    def progress(done: int, total: int, loss: float) -> None:
        if done % 5 == 0 or done == total:
            bar.progress(done / total, text=f"step {done} of {total}, loss {loss:.4f}")

    projection = project(model, artwork, steps, seed, features=features, vgg=vgg, progress=progress)
    bar.empty()
    return projection


def show_result(run, model, projection, seed: int) -> None:
    from artgan.evaluation.projection_outputs import STEPS, animation_frames, side_by_side, walk_to_random

    name = model.class_names[projection.class_index] if projection.class_index is not None else None
    show(side_by_side(projection), "your artwork as the model sees it · the model's closest image", min_side=384)
    cells = st.columns(3)
    cells[0].metric("Pixel distance (RMSE)", f"{projection.pixel_rmse:.1f}",
                    help=f"grey levels, 0-255; the best random start was {projection.start_rmse:.1f}")
    if projection.feature_distance is not None:
        cells[1].metric("Feature distance", f"{projection.feature_distance:.3f}", help="in the evaluation's feature space")
    if name:
        cells[2].metric("Class", name)
    notes = [] if "features" in projection.terms else ["evaluate the run on the Judge page to add its feature space"]
    if "vgg" not in projection.terms and st.session_state.get(VGG_NOTE):
        notes.append("VGG-19 features not used: " + st.session_state[VGG_NOTE])
    st.caption("Loss: " + " + ".join(projection.terms) + "".join(f". {note[0].upper()}{note[1:]}" for note in notes))
    with st.spinner("Drawing the walk to a random sample and encoding it..."):
        walk = make_grid(walk_to_random(model, projection, seed, STEPS), columns=STEPS)
        frames = animation_frames(model, projection, seed)
        gif = gif_bytes(frames)
        mp4 = mp4_bytes(frames) if mp4_available() else None
    show(walk, f"from your image's latent to seed {seed}'s", min_side=128)
    stem = f"{run.path.name}-projection"
    buffer = io.BytesIO()
    np.save(buffer, projection.latent.numpy().astype(np.float32)[None])
    downloads = st.columns(4)
    downloads[0].download_button("Latent (.npy)", buffer.getvalue(), f"{stem}-latent.npy", "application/octet-stream",
                                 key="find_latent", on_click="ignore",
                                 help=f"artgan generate {run.name} --latent FILE" + (f" --class {name}" if name else ""))
    downloads[1].download_button("Closest image (PNG)", png_bytes(to_pil(projection.image.permute(1, 2, 0).numpy())),
                                 f"{stem}.png", "image/png", key="find_image", on_click="ignore")
    downloads[2].download_button("Interpolation (GIF)", gif, f"{stem}.gif", "image/gif",
                                 key="find_gif", on_click="ignore")
    if mp4 is not None:
        downloads[3].download_button("Interpolation (MP4)", mp4, f"{stem}.mp4", "video/mp4",
                                     key="find_mp4", on_click="ignore")

"""Stylize: paint a photo (or a generated image) in the style of a painting (or a generated image)."""

from __future__ import annotations

import importlib.util
import os

import streamlit as st
from PIL import Image

from artgan.app.common import png_bytes, show
from artgan.app.sessions import gallery
from artgan.app.uploads import FORMATS, MAX_BYTES, UploadError, read_upload
from artgan.errors import ArtganError

UPLOAD, GENERATED = "Upload a file", "A generated image"
RESULT_KEY = "stylize_result"


def render() -> None:
    st.title("Stylize")
    if importlib.util.find_spec("artgan.style") is None:
        st.warning("Style transfer is not part of this artgan installation (the `artgan.style` package is "
                   "missing). Update artgan to a version with `artgan stylize` to use this page.")
        return
    st.caption("Fast mode (AdaIN) answers in a moment; full mode (Gatys et al.) optimizes the picture "
               "itself: slower, often better.")
    missing = missing_weights()
    if missing:
        st.warning(missing)
    left, right = st.columns(2)
    with left:
        content = choose_image("Photo", "content")
    with right:
        style = choose_image("Painting", "style")

    columns = st.columns(4)
    mode = columns[0].radio("Mode", ["fast", "full"], horizontal=True, key="stylize_mode",
                            format_func={"fast": "fast (AdaIN)", "full": "full optimization"}.get)
    size = columns[1].select_slider("Size (longer side, px)", [64, 128, 256, 384, 512], 256, key="stylize_size")
    strength = columns[2].slider("Style strength", 0.0, 1.0, 1.0, 0.05, key="stylize_strength")
    steps = columns[3].slider("Optimization steps", 10, 500, 200, 10, key="stylize_steps", disabled=mode == "fast",
                              help="full mode only")
    if st.button("Stylize", type="primary", disabled=content is None or style is None or bool(missing),
                 key="stylize_go"):
        run_transfer(content, style, mode, steps, size, strength)
    result = st.session_state.get(RESULT_KEY)
    if result is not None:
        image, caption = result
        st.image(image, caption=caption)
        st.download_button("Download (PNG)", png_bytes(image), "stylized.png", "image/png",
                           key="download_stylized", on_click="ignore")


def choose_image(role: str, key: str) -> Image.Image | None:
    """An uploaded file (checked) or one of this session's generated images; None until chosen."""
    st.subheader(role)
    pictures = gallery()
    source = st.radio("Source", [UPLOAD, GENERATED] if pictures else [UPLOAD], horizontal=True, key=f"{key}_source",
                      help=None if pictures else "generate images on the Generate page to use them here")
    if source == GENERATED:
        captions = [item.caption for item in pictures]
        caption = st.selectbox("Generated image", captions, key=f"{key}_generated")
        image = pictures[captions.index(caption)].image.convert("RGB")
    else:
        image = checked_upload(role, key)
        if image is None:
            return None
    preview = image.copy()
    preview.thumbnail((320, 320))
    show(preview, f"{image.width}x{image.height}", min_side=192)
    return image


def checked_upload(role: str, key: str) -> Image.Image | None:
    """The uploader's image, or None. A refused file is taken out of the uploader (a new widget key:
    Streamlit cannot empty one) and its message stays until the next upload, so a one-file uploader
    never holds a pile of rejected files and an old error never sits beside a newer file."""
    attempt = st.session_state.get(f"{key}_attempt", 0)
    widget = f"{key}_upload" if attempt == 0 else f"{key}_upload_{attempt}"
    upload = st.file_uploader(f"{role} ({', '.join(FORMATS)}; up to {MAX_BYTES // 2**20} MB)", key=widget)
    refused = st.session_state.get(f"{key}_refused")
    if upload is None:
        if refused:
            st.error(refused)
        return None
    st.session_state.pop(f"{key}_refused", None)
    try:
        return read_upload(upload.getvalue(), upload.name)
    except UploadError as error:
        st.session_state[f"{key}_refused"] = str(error)
        st.session_state[f"{key}_attempt"] = attempt + 1
        st.rerun()


def vgg_weights() -> str | None:
    """$ARTGAN_VGG_WEIGHTS as `artgan stylize` reads it, plus ``random[:SEED]``: a seeded untrained
    VGG that lets the page be tried (and tested) offline; its pictures are not art."""
    from artgan.style.vgg import WEIGHTS_ENV

    return os.environ.get(WEIGHTS_ENV) or None


def missing_weights() -> str | None:
    """Why style transfer cannot run here (no VGG-19 weights on disk), or None. The app never
    starts the 548 MB download itself: a click on a web page should not do that."""
    from artgan.style.vgg import find_weights

    weights = vgg_weights()
    if weights and weights.startswith("random"):
        return None
    try:
        find_weights(weights, download=False)
    except ArtganError as error:
        return str(error)
    return None


def run_transfer(content: Image.Image, style: Image.Image, mode: str, steps: int, size: int, strength: float) -> None:
    from artgan.style import stylize

    bar = st.progress(0.0, text="Stylizing...")
    try:
        image = stylize(content, style, mode=mode, steps=steps, size=size, strength=strength, weights=vgg_weights(),
                        progress=lambda done: bar.progress(min(max(float(done), 0.0), 1.0), text=f"Stylizing... {done:.0%}"))
    except ArtganError as error:
        bar.empty()
        st.error(str(error))
        return
    bar.progress(1.0, text="Done")
    what = f"{mode} mode, {size}px" + (f", {steps} steps" if mode == "full" else "") + f", strength {strength:.2f}"
    st.session_state[RESULT_KEY] = (image, what)

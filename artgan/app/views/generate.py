"""Generate: a run, a class, a seed and a count in; a grid out, with PNG downloads."""

from __future__ import annotations

import streamlit as st

from artgan.app.common import model_for, pick_class, pick_run, png_bytes, show, tiles, zip_of_pngs
from artgan.app.sessions import GalleryImage, add_favourites, add_to_gallery, favourites
from artgan.visual.grid import make_grid


def render() -> None:
    st.title("Generate")
    st.caption("Sample a trained run. The same run, class and seed always give the same images.")
    run = pick_run("generate_run")
    if run is None:
        return
    model = model_for(run)
    columns = iter(st.columns(4 if model.conditional else 3))
    class_name = None
    if model.conditional:
        with next(columns):
            class_name = pick_class(model, "generate_class")
    seed = int(next(columns).number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="generate_seed"))
    n = next(columns).slider("How many", 1, 64, 16, key="generate_n")
    psi = next(columns).slider("Truncation ψ", 0.0, 1.0, 1.0, 0.05, key="generate_truncation",
                               help="moves each latent toward the mean latent: 1 = as drawn, smaller = more typical, "
                                    "less varied images (as `artgan generate --truncation`)")

    with st.spinner("Drawing..."):  # 64 images of a 128 px generator take seconds on a CPU
        images = model.sample(n, seed, class_name, psi)
        grid = make_grid(images)
        picture = tiles(images)
    what = class_name or ("mixed classes" if model.conditional else "")
    step = f"step {run.sampled_step}" + (" (best)" if run.best else "")
    show(grid, f"{run.name} · {step} · seed {seed}" + (f" · {what}" if what else "") + (f" · ψ {psi:.2f}" if psi < 1 else ""))

    stem = f"{run.path.name}-seed{seed}" + (f"-{class_name}" if class_name else "") + (f"-psi{psi:.2f}" if psi < 1 else "")
    first, second = st.columns(2)
    first.download_button("Download the grid (PNG)", png_bytes(grid), f"{stem}-grid.png", "image/png",
                          key="download_grid", on_click="ignore")
    second.download_button(f"Download the {n} images (zip of PNGs)", zip_of_pngs(picture, f"{stem}-"),
                           f"{stem}.zip", "application/zip", key="download_images", on_click="ignore")
    shown = [GalleryImage(f"{run.name} · seed {seed}{' · ' + class_name if class_name else ''}"
                          f"{f' · psi {psi:.2f}' if psi < 1 else ''} · #{i}", image) for i, image in enumerate(picture)]
    add_to_gallery(shown)
    favourite_picker(shown)
    st.caption("These images are also offered on the Stylize page, as photo or as painting.")


def favourite_picker(shown: list[GalleryImage]) -> None:
    """Mark images of this grid as favourites; every favourite of the session downloads as one zip."""
    left, right = st.columns([3, 1])
    picked = left.multiselect("Favourites from this grid (numbered row by row from #0)", range(len(shown)),
                              format_func=lambda i: f"#{i}", key="generate_pick")
    if right.button("Add to favourites", disabled=not picked, key="generate_favourite"):
        add_favourites([shown[i] for i in picked])
    kept = favourites()
    if kept:
        st.download_button(f"Download the {len(kept)} favourites (zip of PNGs)", zip_of_pngs([item.image for item in kept], "favourite-"),
                           "favourites.zip", "application/zip", key="download_favourites", on_click="ignore",
                           help="; ".join(item.caption for item in kept[:8]) + (" ..." if len(kept) > 8 else ""))

"""Explore: walk between two seeds, see every class from the same noise, and ask for more like one."""

from __future__ import annotations

import streamlit as st
import torch

from artgan.app.common import model_for, pick_class, pick_run, png_bytes, show, tiles
from artgan.visual.grid import make_grid, upscale
from artgan.visual.latent import class_grid_images, interpolation_images, lerp, nearby_latents, slerp

STRIP = 8  # images in an interpolation strip
ANIMATION_FRAMES = 24  # one way; the animation goes there and back
CHOICES = 16  # "more like this" picks from the same 16 images Generate shows for a seed


def render() -> None:
    st.title("Explore")
    run = pick_run("explore_run")
    if run is None:
        return
    model = model_for(run)
    walk, classes, similar = st.tabs(["Interpolation", "Every class, same noise", "More like this"])
    with walk:
        interpolation(model)
    with classes:
        class_grid(model)
    with similar:
        more_like_this(model)


def interpolation(model) -> None:
    st.caption("A straight walk through the latent space from one seed's image to another's.")
    columns = st.columns(4)
    seed_a = int(columns[0].number_input("From seed", 0, 2**31 - 1, 0, key="walk_from"))
    seed_b = int(columns[1].number_input("To seed", 0, 2**31 - 1, 1, key="walk_to"))
    with columns[2]:
        class_name = pick_class(model, "walk_class", mixed=False)
    spherical = columns[3].toggle("Spherical (slerp)", value=True, key="walk_slerp",
                                  help="slerp stays where Gaussian noise lives (White 2016); lerp cuts through the middle")
    t = st.slider("Position", 0.0, 1.0, 0.5, 0.05, key="walk_t")
    labels = torch.full((1,), model.class_index(class_name)) if class_name is not None else None
    here = (slerp if spherical else lerp)(model.noise(1, seed_a), model.noise(1, seed_b), torch.tensor([t]))[0]
    show(tiles(model(here, labels))[0], f"seed {seed_a} → seed {seed_b} at {t:.2f}", min_side=256)
    strip = interpolation_images(model, steps=STRIP, spherical=spherical, class_name=class_name, seeds=[seed_a, seed_b])
    show(make_grid(strip, columns=STRIP), f"{STRIP} steps from seed {seed_a} to seed {seed_b}", min_side=128)
    walk_downloads(model, seed_a, seed_b, spherical, class_name)


def walk_downloads(model, seed_a: int, seed_b: int, spherical: bool, class_name: str | None) -> None:
    """The walk as an animation, there and back, encoded only when asked for (it takes a moment)."""
    from artgan.visual.animation import gif_bytes, mp4_available, mp4_bytes

    if not st.toggle("Prepare the walk as GIF" + (" and MP4" if mp4_available() else ""), key="walk_animate"):
        return
    with st.spinner("Drawing and encoding the walk..."):
        frames = [upscale(image, 256) for image in tiles(interpolation_images(
            model, steps=ANIMATION_FRAMES, spherical=spherical, class_name=class_name, seeds=[seed_a, seed_b]))]
        frames += frames[::-1]
        stem = f"walk-seed{seed_a}-to-seed{seed_b}"
        left, right = st.columns(2)
        left.download_button("Download the walk (GIF)", gif_bytes(frames), f"{stem}.gif", "image/gif",
                             key="walk_gif", on_click="ignore")
        if mp4_available():
            right.download_button("Download the walk (MP4)", mp4_bytes(frames), f"{stem}.mp4", "video/mp4",
                                  key="walk_mp4", on_click="ignore")


def class_grid(model) -> None:
    if not model.conditional:
        st.info(f"This run's model ({model.variant.name}) is unconditional: it has no classes to compare. "
                "Train a conditional one (e.g. `artgan train --model cdcgan`) to see what the label controls.")
        return
    st.caption("Each row is one class, each column one noise vector: the label sets the style, the noise the rest.")
    left, right = st.columns(2)
    seed = int(left.number_input("Seed", 0, 2**31 - 1, 0, key="classes_seed"))
    per_class = right.slider("Noise vectors", 2, 12, 8, key="classes_per_class")
    images = class_grid_images(model, per_class=per_class, seed=seed)
    grid = make_grid(images, columns=per_class)
    show(grid, "rows, top to bottom: " + ", ".join(model.class_names))
    st.download_button("Download the class grid (PNG)", png_bytes(grid), f"classes-seed{seed}.png", "image/png",
                       key="classes_download", on_click="ignore")


def more_like_this(model) -> None:
    st.caption(f"Pick one of a seed's {CHOICES} images (the grid Generate shows for that seed and 16 images); "
               "its neighbours are small random steps away from its noise vector.")
    columns = st.columns(4)
    seed = int(columns[0].number_input("Seed", 0, 2**31 - 1, 0, key="similar_seed"))
    with columns[1]:
        class_name = pick_class(model, "similar_class", mixed=False)
    strength = columns[2].slider("How different", 0.05, 1.0, 0.25, 0.05, key="similar_strength",
                                 help="standard deviation of the step per latent dimension")
    count = columns[3].slider("How many", 4, 32, 15, key="similar_count")
    z = model.noise(CHOICES, seed)
    label = model.class_index(class_name) if class_name is not None else None
    choices = model(z, torch.full((CHOICES,), label) if label is not None else None)
    show(make_grid(choices), f"seed {seed}: images #0 to #{CHOICES - 1}, row by row", min_side=256)
    index = st.number_input("Image #", 0, CHOICES - 1, 0, key="similar_index")
    neighbours = torch.cat([z[index:index + 1].cpu(), nearby_latents(z[index], count, strength, seed=seed)])
    if model.conditional and label is None:  # keep the chosen image's class (Generate cycles them)
        label = int(index) % len(model.class_names)
    images = model(neighbours, torch.full((len(neighbours),), label) if label is not None else None)
    show(make_grid(images), f"#{index} (top left) and {count} like it", min_side=384)

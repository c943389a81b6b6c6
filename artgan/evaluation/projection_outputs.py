"""What `artgan project` writes (and the app offers for download): the closest image, its distance,
the latent, and an interpolation from it to a random sample."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from PIL import Image

from artgan.atomic import write_text_atomic
from artgan.evaluation.projection import Projection, save_latent
from artgan.generation import LoadedGenerator
from artgan.visual.grid import make_grid, to_pil, upscale
from artgan.visual.latent import slerp

STEPS = 8  # images in the interpolation strip
FRAMES = 24  # frames of the interpolation animation


def side_by_side(projection: Projection, min_side: int = 256) -> Image.Image:
    """The artwork (as the model sees it) beside the model's closest image."""
    return upscale(make_grid(torch.stack([projection.target, projection.image]), columns=2), min_side)


def walk_to_random(model: LoadedGenerator, projection: Projection, seed: int, steps: int) -> torch.Tensor:
    """uint8 images on the slerp from the projected latent to seed ``seed``'s latent."""
    start = projection.latent[None].to(model.device)
    end = model.noise(1, seed)
    path = slerp(start, end, torch.linspace(0, 1, steps))[0]
    labels = torch.full((steps,), projection.class_index) if projection.class_index is not None else None
    return model(path, labels)


def animation_frames(model: LoadedGenerator, projection: Projection, seed: int, min_side: int = 256) -> list[Image.Image]:
    """There and back again, enlarged: frames for a GIF or MP4."""
    images = [upscale(to_pil(tile.permute(1, 2, 0).numpy()), min_side) for tile in walk_to_random(model, projection, seed, FRAMES)]
    return images + images[::-1]


def write_projection(model: LoadedGenerator, projection: Projection, out: str | Path, seed: int = 0) -> dict[str, Path]:
    """Every output of one projection under ``out``; returns them by name."""
    from artgan.visual.animation import save_gif

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "projected": out / "projected.png", "target": out / "target.png", "comparison": out / "comparison.png",
        "latent": out / "latent.npy", "interpolation": out / "interpolation.png",
        "animation": out / "interpolation.gif", "summary": out / "projection.json",
    }
    to_pil(projection.image.permute(1, 2, 0).numpy()).save(paths["projected"])
    to_pil(projection.target.permute(1, 2, 0).numpy()).save(paths["target"])
    side_by_side(projection).save(paths["comparison"])
    save_latent(projection, paths["latent"])
    make_grid(walk_to_random(model, projection, seed, STEPS), columns=STEPS).save(paths["interpolation"])
    save_gif(animation_frames(model, projection, seed), paths["animation"])
    write_text_atomic(paths["summary"], json.dumps(summary(model, projection), indent=2) + "\n")
    return paths


def summary(model: LoadedGenerator, projection: Projection) -> dict:
    name = model.class_names[projection.class_index] if projection.class_index is not None else None
    return {"step": model.step, "class": name, "pixel_rmse": round(projection.pixel_rmse, 3),
            "start_pixel_rmse": round(projection.start_rmse, 3),
            "feature_distance": None if projection.feature_distance is None else round(projection.feature_distance, 4),
            "loss_terms": list(projection.terms), "steps": len(projection.losses),
            "final_loss": round(projection.losses[-1], 6) if projection.losses else None}

"""``builtin:art``: a procedural abstract-art data set, made offline and deterministically.

Six styles that differ in structure (not only in colour), so that a conditional GAN, a style
classifier or CAN's style head has something real to learn on a machine with no network:

    hard-edge     Mondrian-like grid of flat primary-colour blocks between black bars
    circles       concentric rings around an off-centre point (Kandinsky's "Squares with
                  concentric circles")
    stripes       straight bands of a few colours at a random angle (Bridget Riley, Frank Stella)
    splatter      drips and splashes on a plain ground (Pollock)
    color-field   two or three soft-edged stacked rectangles (Rothko)
    pointillism   a jittered lattice of dots over a smooth colour gradient (Seurat)

Every image has its own random generator seeded with (seed, index), so image ``i`` is the same
whatever the size or the number of images asked for. Images are drawn at twice the size and
box-filtered down, which anti-aliases the edges the way a real photo of a canvas would be.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Canvas = np.ndarray  # float32 (S, S, 3) in [0, 1]
Painter = Callable[[np.random.Generator, int], Canvas]

PRIMARIES = np.array([[0.85, 0.1, 0.1], [0.1, 0.2, 0.7], [0.95, 0.8, 0.1], [0.95, 0.95, 0.92]], np.float32)


def _coords(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [0, 1): y down the rows, x along the columns."""
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size
    return np.meshgrid(axis, axis, indexing="ij")


def _palette(rng: np.random.Generator, n: int, saturation=(0.5, 1.0), value=(0.4, 1.0)) -> np.ndarray:
    """``n`` colours with hues spread around the wheel from a random start (HSV -> RGB)."""
    hue = (rng.uniform() + np.arange(n) / n + rng.uniform(-0.08, 0.08, n)) % 1.0
    sat = rng.uniform(*saturation, n)
    val = rng.uniform(*value, n)
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hue[:, None] * 6) % 6
    rgb = val[:, None] - val[:, None] * sat[:, None] * np.clip(np.minimum(k, 4 - k), 0, 1)
    return rgb.astype(np.float32)


def hard_edge(rng: np.random.Generator, size: int) -> Canvas:
    canvas = np.empty((size, size, 3), np.float32)
    cuts = [np.sort(rng.uniform(0.1, 0.9, rng.integers(2, 5))) for _ in range(2)]
    rows, cols = (np.concatenate([[0], (c * size).astype(int), [size]]) for c in cuts)
    for r0, r1 in zip(rows[:-1], rows[1:]):
        for c0, c1 in zip(cols[:-1], cols[1:]):
            white = rng.uniform() < 0.55
            canvas[r0:r1, c0:c1] = PRIMARIES[3] if white else PRIMARIES[rng.integers(0, 3)]
    bar = max(1, round(size * rng.uniform(0.025, 0.045)))
    for edge in rows[1:-1]:
        canvas[max(0, edge - bar // 2): edge + (bar + 1) // 2] = 0.05
    for edge in cols[1:-1]:
        canvas[:, max(0, edge - bar // 2): edge + (bar + 1) // 2] = 0.05
    return canvas


def circles(rng: np.random.Generator, size: int) -> Canvas:
    y, x = _coords(size)
    centre = rng.uniform(0.3, 0.7, 2)
    radius = np.hypot(y - centre[0], x - centre[1])
    colours = _palette(rng, int(rng.integers(3, 6)))
    ring = np.floor(radius / rng.uniform(0.07, 0.13)).astype(int) % len(colours)
    return colours[ring]


def stripes(rng: np.random.Generator, size: int) -> Canvas:
    y, x = _coords(size)
    angle = rng.uniform(0, np.pi)
    along = x * np.cos(angle) + y * np.sin(angle)
    colours = _palette(rng, int(rng.integers(2, 5)), value=(0.2, 1.0))
    band = np.floor(along / rng.uniform(0.08, 0.16) + rng.uniform()).astype(int) % len(colours)
    return colours[band]


def splatter(rng: np.random.Generator, size: int) -> Canvas:
    y, x = _coords(size)
    ground = _palette(rng, 1, saturation=(0.0, 0.25), value=(0.75, 0.95))[0]
    canvas = np.broadcast_to(ground, (size, size, 3)).copy()
    paints = np.concatenate([_palette(rng, 2, value=(0.3, 0.9)), [[0.05, 0.05, 0.05]]])
    for _ in range(int(rng.integers(15, 30))):
        cy, cx = rng.uniform(0, 1, 2)
        radius = rng.uniform(0.02, 0.07)
        mask = np.hypot(y - cy, x - cx) < radius
        if rng.uniform() < 0.3:  # a drip: paint running down from the splash, thinning as it goes
            length = rng.uniform(0.05, 0.3)
            below = (y - cy) / length
            mask |= (below > 0) & (below < 1) & (np.abs(x - cx) < 0.5 * radius * (1 - below))
        canvas[mask] = paints[rng.integers(0, len(paints))]
    return canvas


def color_field(rng: np.random.Generator, size: int) -> Canvas:
    y, x = _coords(size)
    colours = _palette(rng, 4, saturation=(0.4, 0.9), value=(0.25, 0.9))
    canvas = np.broadcast_to(colours[0], (size, size, 3)).copy()
    blocks = int(rng.integers(2, 4))
    gap = rng.uniform(0.04, 0.08)
    height = (0.88 - gap * (blocks - 1)) / blocks
    soft = rng.uniform(0.01, 0.03)  # Rothko's feathered edges
    for i in range(blocks):
        top = 0.06 + i * (height + gap)
        inside = (_soft_step(y - top, soft) * _soft_step(top + height - y, soft)
                  * _soft_step(x - 0.08, soft) * _soft_step(0.92 - x, soft))
        canvas += inside[..., None] * (colours[1 + i] - canvas)
    return canvas


def _soft_step(distance: np.ndarray, width: float) -> np.ndarray:
    return np.clip(0.5 + distance / (2 * width), 0.0, 1.0)


def pointillism(rng: np.random.Generator, size: int) -> Canvas:
    y, x = _coords(size)
    corners = _palette(rng, 3, saturation=(0.4, 0.8), value=(0.6, 1.0))
    gradient = (corners[0] * (1 - y)[..., None] + corners[1] * y[..., None]) * (1 - 0.5 * x[..., None]) \
        + corners[2] * 0.5 * x[..., None]
    canvas = np.full((size, size, 3), 0.96, np.float32)
    pitch = rng.uniform(0.11, 0.15)
    lattice = np.arange(pitch / 2, 1, pitch)
    cy, cx = np.meshgrid(lattice, lattice, indexing="ij")
    cy, cx = (c.ravel() + rng.uniform(-0.25, 0.25, c.size) * pitch for c in (cy, cx))
    radius = pitch * rng.uniform(0.35, 0.5)
    nearest_y = np.clip(np.round((y - pitch / 2) / pitch), 0, len(lattice) - 1).astype(int)
    nearest_x = np.clip(np.round((x - pitch / 2) / pitch), 0, len(lattice) - 1).astype(int)
    index = nearest_y * len(lattice) + nearest_x
    dot = np.hypot(y - cy[index], x - cx[index]) < radius
    jitter = rng.uniform(-0.15, 0.15, (cy.size, 3)).astype(np.float32)  # each dot its own tint
    canvas[dot] = np.clip(gradient[dot] + jitter[index[dot]], 0, 1)
    return canvas


STYLE_PAINTERS: dict[str, Painter] = {
    "hard-edge": hard_edge,
    "circles": circles,
    "stripes": stripes,
    "splatter": splatter,
    "color-field": color_field,
    "pointillism": pointillism,
}
STYLES = list(STYLE_PAINTERS)


def default_per_class(size: int) -> int:
    """1,000 images a style up to 64 px, fewer above so the uint8 set stays near 100-150 MB."""
    return 1000 if size <= 64 else max(125, 1000 * 64 * 64 // (size * size))


def paint(style: str, index: int, size: int, seed: int = 0) -> np.ndarray:
    """Image ``index`` of ``style`` as uint8 (size, size, 3); drawn at 2x and box-filtered down."""
    rng = np.random.default_rng([seed, STYLES.index(style), index])
    big = STYLE_PAINTERS[style](rng, 2 * size)
    small = big.reshape(size, 2, size, 2, 3).mean(axis=(1, 3))
    return np.round(np.clip(small, 0, 1) * 255).astype(np.uint8)


def make_builtin_art(size: int = 32, per_class: int | None = None, seed: int = 0):
    """The whole set: uint8 images (N, size, size, 3), int64 labels (N,), and the style names.

    Styles are interleaved (image i has style i mod 6), so any prefix is balanced.
    """
    per_class = per_class or default_per_class(size)
    images = np.empty((per_class * len(STYLES), size, size, 3), np.uint8)
    labels = np.tile(np.arange(len(STYLES), dtype=np.int64), per_class)
    for i, label in enumerate(labels):
        images[i] = paint(STYLES[label], i // len(STYLES), size, seed)
    return images, labels, list(STYLES)

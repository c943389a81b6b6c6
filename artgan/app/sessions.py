"""What one browser session keeps between pages: the images it generated and the files it uploaded.

Everything lives in ``st.session_state``, which Streamlit keeps per browser tab and drops when
the tab goes, and nothing is written to disk: one user's session can never see another's
uploads or pictures, and the app never writes outside its runs folder (it writes nothing at all).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from PIL import Image

GALLERY_KEY = "artgan_gallery"
GALLERY_LIMIT = 64  # newest kept; a session cannot grow without bound
FAVOURITES_KEY = "artgan_favourites"
FAVOURITES_LIMIT = 256


@dataclass(frozen=True)
class GalleryImage:
    caption: str  # e.g. "dcgan-art · seed 3 · #5"
    image: Image.Image


def gallery() -> list[GalleryImage]:
    """This session's generated images, newest first."""
    return st.session_state.setdefault(GALLERY_KEY, [])


def add_to_gallery(images: list[GalleryImage]) -> None:
    """Remember generated images (e.g. to stylize them), dropping ones already held by caption."""
    captions = {item.caption for item in images}
    kept = [item for item in gallery() if item.caption not in captions]
    st.session_state[GALLERY_KEY] = (list(images) + kept)[:GALLERY_LIMIT]


def favourites() -> list[GalleryImage]:
    """The images this session marked as favourites, in the order they were added."""
    return st.session_state.setdefault(FAVOURITES_KEY, [])


def add_favourites(images: list[GalleryImage]) -> None:
    """Keep these images (once each, by caption) for the favourites zip."""
    held = {item.caption for item in favourites()}
    kept = favourites() + [item for item in images if item.caption not in held]
    st.session_state[FAVOURITES_KEY] = kept[-FAVOURITES_LIMIT:]

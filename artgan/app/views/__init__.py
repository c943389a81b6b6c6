"""One module per page; each exposes ``render()``, which draws the page with Streamlit calls."""

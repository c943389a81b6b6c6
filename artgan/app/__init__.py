"""The web app (`artgan app`): generate, explore and stylize art from trained runs, and watch runs train.

``main.py`` is the Streamlit script; ``views/`` holds one module per page. The pure parts (finding
runs, checking uploads) live beside it and import no Streamlit, so they are tested directly.
"""

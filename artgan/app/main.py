"""The Streamlit script `artgan app` serves: page navigation and nothing else.

Run it through the CLI (`artgan app --runs DIR`), which sets the runs folder and Streamlit's
server options; `streamlit run artgan/app/main.py` also works and uses ./runs.
"""

from __future__ import annotations

import streamlit as st

from artgan.app.common import zoom_control
from artgan.app.views import compare, explore, find, generate, judge, monitor, stylize, train

st.set_page_config(page_title="artgan", page_icon=":material/palette:", layout="wide")

PAGES = [
    st.Page(generate.render, title="Generate", icon=":material/image:", url_path="generate", default=True),
    st.Page(explore.render, title="Explore", icon=":material/explore:", url_path="explore"),
    st.Page(stylize.render, title="Stylize", icon=":material/brush:", url_path="stylize"),
    st.Page(train.render, title="Train", icon=":material/model_training:", url_path="train"),
    st.Page(monitor.render, title="Runs", icon=":material/monitoring:", url_path="runs"),
    st.Page(compare.render, title="Compare", icon=":material/compare:", url_path="compare"),
    st.Page(judge.render, title="Judge", icon=":material/grading:", url_path="judge"),
    st.Page(find.render, title="Find your painting", icon=":material/search:", url_path="find"),
]

navigation = st.navigation(PAGES)
zoom_control()  # below the page links
navigation.run()

"""Open the app in the user's browser once its server answers.

`artgan app` always starts Streamlit headless: a non-headless Streamlit asks for an e-mail address
on its first run, and with no terminal attached (a desktop launcher, a service, `nohup`) it waits
for that answer forever and never serves a page. So the browser is opened here instead, by a
small detached process that waits for the server's health check and then hands the URL to
Python's `webbrowser` (which honours $BROWSER).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

WAIT_SECONDS = 120.0  # a cold start imports torch and Streamlit; a busy laptop can take a minute


def browser_url(host: str, port: int) -> str:
    """The address to open: a server listening on every interface is still reached locally."""
    local = host in ("0.0.0.0", "::", "")
    return f"http://{'localhost' if local else host}:{port}"


def open_when_ready(url: str) -> subprocess.Popen:
    """Start the detached opener; it outlives nothing (it exits once the tab is open or it gives up)."""
    return subprocess.Popen([sys.executable, "-m", "artgan.app.browser", url], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def wait_and_open(url: str, wait: float = WAIT_SECONDS) -> bool:
    import webbrowser

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return webbrowser.open(url)
        except OSError:
            pass
        time.sleep(0.3)
    return False


if __name__ == "__main__":
    sys.exit(0 if wait_and_open(sys.argv[1]) else 1)

"""`artgan app`: its options, its errors, and the Streamlit server it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from artgan.app.runs import RUNS_ENV
from artgan.cli import app as app_command
from artgan.cli import build_parser, main


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["app", "--help"])
    out = capsys.readouterr().out
    for option in ("--runs", "--port", "--host", "--no-browser"):
        assert option in out


def test_missing_runs_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["app", "--runs", str(tmp_path / "nowhere")]) == 2
    error = capsys.readouterr().err
    assert "runs folder" in error and "does not exist" in error and "artgan train" in error


def test_bad_port_is_refused(tmp_path, capsys):
    assert main(["app", "--runs", str(tmp_path), "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err


def test_starts_streamlit_on_the_app_script_with_the_runs_folder(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(app_command, "serve", lambda command, env: calls.append((command, env)) or 0)
    assert main(["app", "--runs", str(tmp_path), "--port", "8765", "--host", "0.0.0.0", "--no-browser"]) == 0
    [(command, env)] = calls
    assert command[1:4] == ["-m", "streamlit", "run"] and Path(command[4]).name == "main.py" and Path(command[4]).is_file()
    options = dict(zip(command[5::2], command[6::2]))
    assert options["--server.port"] == "8765" and options["--server.address"] == "0.0.0.0"
    assert options["--server.headless"] == "true" and options["--browser.gatherUsageStats"] == "false"
    assert env[RUNS_ENV] == str(tmp_path.resolve())


def test_without_no_browser_streamlit_still_starts_headless_and_the_app_opens_the_tab(tmp_path, monkeypatch):
    from artgan.app import browser

    calls, opened = [], []
    monkeypatch.setattr(app_command, "serve", lambda command, env: calls.append(command) or 0)
    monkeypatch.setattr(browser, "open_when_ready", opened.append)
    assert main(["app", "--runs", str(tmp_path), "--port", "8765", "--host", "0.0.0.0"]) == 0
    options = dict(zip(calls[0][5::2], calls[0][6::2]))
    assert options["--server.headless"] == "true" and opened == ["http://localhost:8765"]


def test_app_is_a_registered_command():
    assert build_parser().parse_args(["app"]).command == "app"


@pytest.mark.slow
def test_a_fresh_install_with_no_terminal_serves_and_opens_the_browser(tmp_path):
    """No --no-browser, a HOME Streamlit has never seen, stdin from /dev/null: Streamlit's first-run
    e-mail prompt would wait forever; the app must serve and hand its URL to $BROWSER instead."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > {opened}\n")
    browser.chmod(0o755)
    (tmp_path / "home").mkdir()
    (tmp_path / "runs").mkdir()
    environment = {**os.environ, "HOME": str(tmp_path / "home"), "BROWSER": f"{browser} %s",
                   "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])}
    environment.pop("DISPLAY", None)
    server = subprocess.Popen([sys.executable, "-m", "artgan", "app", "--runs", str(tmp_path / "runs"), "--port", str(port),
                               "--host", "127.0.0.1"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    try:
        deadline = time.time() + 90
        while not opened.exists() and time.time() < deadline and server.poll() is None:
            time.sleep(0.5)
        assert opened.exists(), "the browser was never opened"
        assert opened.read_text().strip() == f"http://127.0.0.1:{port}"
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read() == b"ok"
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode()
    assert "Email" not in output

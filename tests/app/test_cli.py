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


def test_app_is_a_registered_command():
    assert build_parser().parse_args(["app"]).command == "app"

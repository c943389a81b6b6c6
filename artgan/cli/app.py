"""`artgan app`: the web app (Streamlit) over a folder of runs."""

from __future__ import annotations

import argparse

from artgan.cli.arguments import HelpFormatter


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "app", help="open the web app: train, watch, generate, explore and stylize art",
        description="Serve the artgan web app (Streamlit) for the runs under a folder. "
                    "Needs the app extra: pip install -e '.[app]'.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--runs", default="runs", metavar="DIR", help="folder whose run directories the app offers, or hf:user/name for a run published to the Hub")
    parser.add_argument("--data-root", metavar="DIR",
                        help="folder whose image folders the Train page may train on (it cannot leave it); "
                             "without it, Train offers the built-in sets and zip uploads")
    parser.add_argument("--port", type=int, default=8501, help="port to serve on")
    parser.add_argument("--host", default="localhost",
                        help="address to listen on; 0.0.0.0 makes the app reachable from other machines")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    parser.set_defaults(run=run)


def streamlit_command(args: argparse.Namespace) -> list[str]:
    """The `streamlit run` command line for these options (the runs folder travels in the environment)."""
    import sys
    from pathlib import Path

    import artgan.app
    from artgan.app.datasets import MAX_ZIP_BYTES
    from artgan.app.uploads import MAX_BYTES, SERVER_UPLOAD_LIMIT_BYTES

    script = Path(artgan.app.__file__).with_name("main.py")
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(args.port), "--server.address", args.host,
        "--server.headless", "true",  # never Streamlit's first-run e-mail prompt; see artgan.app.browser
        # Above the app's own limit: a file the browser refuses gets only a small note in the widget and
        # stays listed there; one the server receives gets the app's message naming the limit.
        "--server.maxUploadSize", str(max(SERVER_UPLOAD_LIMIT_BYTES, MAX_ZIP_BYTES + MAX_BYTES) // 2**20),
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
        "--server.fileWatcherType", "none",
    ]


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import os
    from pathlib import Path

    from artgan.app.datasets import DATA_ENV
    from artgan.app.runs import RUNS_ENV
    from artgan.errors import ArtganError

    if importlib.util.find_spec("streamlit") is None:
        raise ArtganError("the web app needs Streamlit; install it with: pip install -e '.[app]'")
    from artgan.hub.resolve import resolve_run

    runs = Path(resolve_run(args.runs)).expanduser().resolve()  # hf:user/name: the app over that one run
    if not runs.is_dir():
        raise ArtganError(f"runs folder {args.runs!r} does not exist; train a run first "
                          f"(artgan train --out {Path(args.runs) / 'my-run'}) or pass --runs DIR")
    if not 0 < args.port < 65536:
        raise ArtganError(f"--port {args.port} is not a port number (1 to 65535)")
    environment = {**os.environ, RUNS_ENV: str(runs)}
    if args.data_root:
        data_root = Path(args.data_root).expanduser().resolve()
        if not data_root.is_dir():
            raise ArtganError(f"--data-root {args.data_root!r} is not a folder; pass the folder that holds your image folders")
        environment[DATA_ENV] = str(data_root)
    print(f"artgan app: serving the runs in {runs} at http://{args.host}:{args.port} (Ctrl+C stops it)")
    if not args.no_browser:
        from artgan.app.browser import browser_url, open_when_ready

        open_when_ready(browser_url(args.host, args.port))
    return serve(streamlit_command(args), environment)


def serve(command: list[str], environment: dict[str, str]) -> int:
    """Run the Streamlit server; on POSIX this process becomes it, so SIGTERM and Ctrl+C reach it
    directly and terminating `artgan app` leaves no orphaned server behind."""
    import os
    import subprocess
    import sys

    if os.name == "posix":
        sys.stdout.flush()
        os.execve(command[0], command, environment)  # does not return
    try:
        return subprocess.call(command, env=environment)
    except KeyboardInterrupt:
        return 0

"""The latency of each app action in a real browser: the headless-Chromium tests, timed.

Runs tests/app/test_browser.py (the real `artgan app` server, headless Chromium clicking as a user
would) ``--repeats`` times with $ARTGAN_LATENCIES set, then prints, per action, the seconds from
the click (or the page load) to the result on screen: min, median and max over the repeats, with
the load average the machine was under. ``--screenshots DIR`` keeps each page's screenshot
(docs/app.md's pictures come from there).

    python benchmarks/app_latency.py --repeats 2 --screenshots /tmp/app-shots
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_tests(latencies: Path, screenshots: Path | None, pytest_args: list[str]) -> int:
    environment = {**os.environ, "ARTGAN_LATENCIES": str(latencies),
                   "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if screenshots:
        environment["ARTGAN_SCREENSHOTS"] = str(screenshots)
    command = [sys.executable, "-m", "pytest", str(ROOT / "tests" / "app" / "test_browser.py"), "-q", "-p", "no:cacheprovider",
               *pytest_args]
    return subprocess.call(command, cwd=ROOT, env=environment)


def read_latencies(path: Path) -> dict[str, list[float]]:
    """Action -> seconds, in the order the tests first reached each action."""
    table: dict[str, list[float]] = defaultdict(list)
    for line in path.read_text().splitlines() if path.is_file() else []:
        seconds, _, action = line.partition("\t")
        table[action].append(float(seconds))
    return table


def format_table(table: dict[str, list[float]]) -> str:
    width = max([len(action) for action in table] + [6])
    lines = [f"{'action':<{width}}  runs     min  median     max", "-" * (width + 30)]
    for action, seconds in table.items():
        lines.append(f"{action:<{width}}  {len(seconds):>4}  {min(seconds):>6.2f}  {statistics.median(seconds):>6.2f}  "
                     f"{max(seconds):>6.2f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs of the whole browser test module")
    parser.add_argument("--screenshots", type=Path, help="keep the pages' screenshots in this folder")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --), e.g. -k 'judge or compare'")
    args = parser.parse_args()
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as folder:
        latencies = Path(folder) / "latencies.tsv"
        for _ in range(args.repeats):
            if run_tests(latencies, args.screenshots, args.pytest_args) != 0:
                print("app_latency: the browser tests failed; figures below are from the actions that ran", file=sys.stderr)
            loads.append(os.getloadavg()[0])
        table = read_latencies(latencies)
    print(f"\nseconds from the click to the result on screen, {args.repeats} run(s); "
          f"load average {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores\n")
    print(format_table(table))
    return 0 if table else 1


if __name__ == "__main__":
    sys.exit(main())

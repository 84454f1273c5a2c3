"""Open the HTML report and the kedro-viz static build in headless Chromium, check and screenshot them.

Needs Debian's ``chromium`` (``apt-get install chromium``). Run from the project root after
``kedro run`` and ``kedro viz build``:

    python scripts/check_in_browser.py --out data/08_reporting

Checks that the rendered report holds every section's table and its embedded figures, and that
the viz build, served on 127.0.0.1, renders the pipeline graph; writes report.png and viz.png.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

REPORT_SECTIONS = [
    "General learning",
    "Baselines (T3)",
    "Robustness",
    "Transfer learning",
    "Transfer baselines (Q)",
    "Enrichment",
]
PIPELINES = [
    "ingestion",
    "labeling",
    "splitting",
    "cnn_general",
    "cnn_transfer",
    "baselines",
    "robustness",
    "reporting",
]


def chromium(*args: str) -> str:
    """Run headless Chromium and return what it prints on stdout (the DOM for --dump-dom)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        sys.exit("chromium not found: apt-get install chromium")
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--virtual-time-budget=15000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def check_report(report: Path, out: Path) -> list[str]:
    dom = chromium("--dump-dom", report.resolve().as_uri())
    problems = [f"report: section {s!r} missing" for s in REPORT_SECTIONS if s not in dom]
    if dom.count("<table") < len(REPORT_SECTIONS):
        problems.append(f"report: only {dom.count('<table')} tables rendered")
    if dom.count('src="data:image/png;base64,') < 3:
        problems.append("report: the two ROC figures and the robustness figure are not embedded")
    chromium(
        "--window-size=1280,2400", f"--screenshot={out / 'report.png'}", report.resolve().as_uri()
    )
    return problems


def check_viz(build: Path, out: Path) -> list[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(build))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        dom = chromium("--window-size=1600,1000", "--dump-dom", url)
        chromium("--window-size=1600,1000", f"--screenshot={out / 'viz.png'}", url)
    finally:
        server.shutdown()
    problems = [] if "pipeline-graph" in dom or "<svg" in dom else ["viz: no graph rendered"]
    listed = (build / "api/main").read_text()
    problems += [
        f"viz: pipeline {p!r} missing from api/main" for p in PIPELINES if f'"{p}"' not in listed
    ]
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=Path("data/08_reporting/report.html"))
    parser.add_argument("--viz-build", type=Path, default=Path("build"))
    parser.add_argument("--out", type=Path, default=Path("data/08_reporting"))
    args = parser.parse_args()
    problems = check_report(args.report, args.out) + check_viz(args.viz_build, args.out)
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

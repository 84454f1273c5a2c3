"""Open the HTML report and the kedro-viz static build in headless Chromium, check and screenshot them.

Needs Debian's ``chromium`` (``apt-get install chromium``). Run from the project root after
``kedro run`` and ``kedro viz build``:

    python scripts/check_in_browser.py --out data/08_reporting

Checks that the rendered report holds every section's table and its embedded figures, its header
(data, environment, date, commit, weights), the glossary, the paper's rows beside ours (transfer
always, general learning when it ran), a caption for every figure and the link to the predicted
genes; and that the viz build, served on 127.0.0.1, renders the pipeline graph. Writes
report.png, report_2.png, ... (the whole page, cut into screen-sized pieces) and viz.png.
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

REPORT_SECTIONS = ["Glossary", "Transfer learning", "Transfer baselines (Q)", "Enrichment", "Run"]
GENERAL_SECTIONS = ["General learning", "Baselines (T3)", "Robustness"]
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


ABOUT = [
    "Data",
    "Kedro environment",
    "Date",
    "Code commit",
    "Transfer weights",
    "Transfer model digest",
]
GLOSSARY = ["P", "Q", "T1", "T2", "F1", "T3"]
PAGE_HEIGHT = 24000  # px: taller than any report; the blank rest is cut off


def split_screenshot(full: Path, stem: Path, height: int = 1800) -> list[Path]:
    """Cut a full-page screenshot (blank bottom trimmed) into readable pages: stem.png (top),
    stem_2.png, ...; the full image is removed."""
    from PIL import Image, ImageChops

    image = Image.open(full).convert("RGB")
    blank = Image.new("RGB", image.size, (255, 255, 255))
    box = ImageChops.difference(image, blank).getbbox()
    image = image.crop((0, 0, image.width, (box[3] if box else height) + 20))
    pages = []
    for i, top in enumerate(range(0, image.height, height), start=1):
        path = stem.with_name(f"{stem.name}.png" if i == 1 else f"{stem.name}_{i}.png")
        image.crop((0, top, image.width, min(top + height, image.height))).save(path)
        pages.append(path)
    full.unlink()
    return pages


def check_report(report: Path, out: Path) -> list[str]:
    """Sections, header, glossary, the paper's rows beside ours, captions, links; screenshots."""
    dom = chromium("--dump-dom", report.resolve().as_uri())
    general_run = "Not run: experiments.general_learning is false" not in dom
    sections = REPORT_SECTIONS + (GENERAL_SECTIONS if general_run else [])
    problems = [f"report: section {s!r} missing" for s in sections if s not in dom]
    if dom.count("<table") < len(sections):
        problems.append(f"report: only {dom.count('<table')} tables rendered")
    figures = 3 if general_run else 1  # ROC of general learning and robustness only if run
    if dom.count('src="data:image/png;base64,') < figures:
        problems.append(f"report: fewer than {figures} figures embedded")
    about = dom[dom.find('<table class="about">') : dom.find("<nav>")]
    problems += [f"report: header row {k!r} missing" for k in ABOUT if f"<th>{k}</th>" not in about]
    problems += [
        f"report: glossary term {t} missing" for t in GLOSSARY if f"<dt>{t}</dt>" not in dom
    ]
    expected = [("transfer", "paper Table 3"), ("transfer", "release code: logit")]
    if general_run:
        expected += [("general", "paper Table 2"), ("general", "DEGnext, mean over folds")]
    for variant, text in expected:
        if text not in dom:
            problems.append(f"report: {variant} table lacks {text!r} beside ours")
    if dom.count("<figure>") != dom.count("<figcaption>"):
        problems.append("report: a figure has no caption")
    if 'href="predicted_genes.csv"' not in dom:
        problems.append("report: predicted_genes.csv is not linked")
    full = out / "report_full.png"
    chromium(f"--window-size=1280,{PAGE_HEIGHT}", f"--screenshot={full}", report.resolve().as_uri())
    split_screenshot(full, out / "report")
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
    parser.add_argument("--skip-viz", action="store_true", help="check the report only")
    parser.add_argument("--out", type=Path, default=Path("data/08_reporting"))
    args = parser.parse_args()
    problems = check_report(args.report, args.out)
    if not args.skip_viz:
        problems += check_viz(args.viz_build, args.out)
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

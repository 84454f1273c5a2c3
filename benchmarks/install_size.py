"""What README's `pip install -e .` downloads: pip's resolution in a fresh venv, and each wheel's size.

pip resolves without downloading (``--dry-run --report``, metadata only); each resolved file is then
sized from disk (a local index) or from the ``Content-Length`` of an HTTP HEAD request.
``--constraint`` resolves as ``.ci/run`` does (e.g. a file holding ``torch==2.13.0``).

    python benchmarks/install_size.py [--constraint FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

PROJECT = Path(__file__).resolve().parents[1]


def resolve(constraint: Path | None) -> list[dict]:
    """pip's install report for ``-e .`` in a fresh virtual environment."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        report = Path(tmp) / "report.json"
        env = {**os.environ, **({"PIP_CONSTRAINT": str(constraint)} if constraint else {})}
        subprocess.run(
            [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--dry-run",
             "--ignore-installed", "--report", str(report), "-e", str(PROJECT)],
            check=True, env=env,
        )  # fmt: skip
        return json.loads(report.read_text())["install"]


def size_of(url: str) -> int:
    """Bytes of one resolved file: on disk for file:// URLs, else the server's Content-Length."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).stat().st_size
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as reply:
        return int(reply.headers["Content-Length"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constraint", type=Path, help="a pip constraints file (PIP_CONSTRAINT)")
    args = parser.parse_args()
    rows = []
    for item in resolve(args.constraint):
        url = item["download_info"]["url"]
        if item["metadata"]["name"] == "degnext":
            continue
        rows.append((size_of(url), item["metadata"]["name"], item["metadata"]["version"], url))
    rows.sort(reverse=True)
    print(f"{len(rows)} distributions, {sum(r[0] for r in rows) / 1e9:.2f} GB in all")
    print(
        f"from the network: {sum(r[0] for r in rows if not r[3].startswith('file:')) / 1e9:.2f} GB"
    )
    for size, name, version, url in rows[:12]:
        where = "local" if url.startswith("file:") else "network"
        print(f"{size / 1e6:8.0f} MB  {name} {version} ({where})")


if __name__ == "__main__":
    main()

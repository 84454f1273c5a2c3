"""Helpers shared by the benchmark scripts: the machine's description and a fresh project copy."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    """The CPU's model name (Linux), else what platform knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def make_project(root: Path) -> Path:
    """The project's configuration with an empty conf/local, and no data: a fresh `kedro run`."""
    shutil.copytree(PROJECT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    for name in ("pyproject.toml", ".telemetry"):
        if (PROJECT / name).exists():
            shutil.copy(PROJECT / name, root / name)
    (root / "src").mkdir()
    return root

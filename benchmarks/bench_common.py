"""Helpers shared by the benchmark scripts: the machine, a fresh project copy, the release
parameters, Markdown tables."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

import pandas as pd

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


def release_parameters(pipeline: str) -> dict:
    """One pipeline's parameters as `kedro run --env release` resolves them (conf/base + release)."""
    from degnext import settings

    loader = settings.CONFIG_LOADER_CLASS(
        str(PROJECT / "conf"), env="release", **settings.CONFIG_LOADER_ARGS
    )
    return loader["parameters"][pipeline]


def markdown(table: pd.DataFrame, digits: int = 2) -> str:
    """A pipe table; floats with ``digits`` decimals (tabulate is not a dependency)."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---:" if table[c].dtype.kind in "fi" else "---" for c in table) + "|"
    rows = [
        "| " + " | ".join(f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([header, rule, *rows])

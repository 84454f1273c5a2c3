"""The project under test (and ../shared beside it), and a copy of its configuration with tiny
cohorts that `kedro run` runs in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"  # reference data beside the project root
PAPER_TABLES = SHARED / "data/paper_tables"  # the report sets them beside ours
TINY_COHORTS = {
    "A": {
        "role": "train",
        "source": "synthetic",
        "synthetic": {"like": "BRCA", "n_samples": 30, "seed": 1},
    },
    "B": {
        "role": "train",
        "source": "synthetic",
        "synthetic": {"like": "KIRC", "n_samples": 24, "seed": 2},
    },
    "C": {
        "role": "untrained",
        "source": "synthetic",
        "synthetic": {"like": "CHOL", "n_samples": 27, "seed": 3},
    },
}
TINY_TRAINING = {
    "first_level": {"epochs": 2, "batch_size": 256, "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
    "fine_tune": {"epochs": 3, "batch_size": 64, "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
}  # fmt: skip


def kedro(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "kedro", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"kedro {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def make_project(root: Path) -> Path:
    """A copy of the project's configuration with tiny cohorts in conf/local, and empty data layers."""
    shutil.copytree(PROJECT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT / name, root / name)
    (root / "src").mkdir()
    local = root / "conf" / "local"
    local.mkdir()
    base = yaml.safe_load((PROJECT / "conf/base/parameters_ingestion.yml").read_text())
    base["ingestion"]["synthetic"]["n_genes"] = 2500
    tiny = {
        "cohorts": TINY_COHORTS,
        "ingestion": base["ingestion"],
        "splitting": {"test_fraction": 0.2, "n_folds": 2, "seed": 5},
        "robustness": {"noise_levels": [1, 100, 1500], "seeds": [1, 2]},
    }
    for section in ("cnn_general", "cnn_transfer"):
        tiny[section] = TINY_TRAINING  # merged softly into conf/base's section (settings.py)
    (local / "parameters.yml").write_text(yaml.safe_dump(tiny))
    return root

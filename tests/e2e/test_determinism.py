"""Issue 16, item 7: the same parameters and seeds give the same bytes, whatever PYTHONHASHSEED."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from degnext.errors import DEGnextInputError
from degnext.evaluation.report import run_section
from degnext.reproducible import report_date
from tests.tiny_project import kedro, make_project

VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}\.\d{3}Z$")  # Kedro's version folders
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z


def outputs(root: Path) -> dict[str, bytes]:
    """Every file the run wrote, by path, the timestamp of a version folder replaced by <version>."""
    files = {}
    for path in sorted((root / "data").rglob("*")):
        if path.is_file():
            parts = path.relative_to(root / "data").parts
            files["/".join("<version>" if VERSION.match(p) else p for p in parts)] = (
                path.read_bytes()
            )
    return files


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    runs = []
    for hash_seed in ("1", "2"):
        root = make_project(tmp_path_factory.mktemp(f"hashseed{hash_seed}"))
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PYTHONHASHSEED", hash_seed)
            env.setenv("SOURCE_DATE_EPOCH", EPOCH)
            kedro(root, "run")
        runs.append(outputs(root))
    return runs[0], runs[1]


def test_two_runs_write_the_same_files(two_runs):
    first, second = two_runs
    assert sorted(first) == sorted(second)
    for expected in ("08_reporting/report.html", "08_reporting/roc_general_learning.png", "06_models/A/general_model.pt/<version>/general_model.pt", "06_models/A/first_level_folds/fold_0.pt", "03_primary/A/dea_results.parquet"):  # fmt: skip
        assert expected in first


def test_every_output_is_byte_identical_under_another_pythonhashseed(two_runs):
    first, second = two_runs
    differing = sorted(path for path in first if first[path] != second.get(path))
    assert differing == []


def test_the_report_lists_parameters_sorted():
    parameters = {"splitting": {"seed": 5, "n_folds": 2}, "cohorts": {"B": {"role": "train"}, "A": {"role": "untrained"}}}  # fmt: skip
    table = dict(run_section(parameters, versions={}).tables)["Parameters"]
    assert list(table["parameter"]) == ["cohorts.A.role", "cohorts.B.role", "splitting.n_folds", "splitting.seed"]  # fmt: skip


def test_report_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert report_date() == "2023-11-14"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert report_date() == dt.datetime.now(dt.UTC).date().isoformat()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(DEGnextInputError, match="SOURCE_DATE_EPOCH.*'yesterday'"):
        report_date()

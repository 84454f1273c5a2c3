"""Issue 16, item 4, through the real CLI: a killed or failed run leaves nothing half-written
that the next run reads (atomic saves, lineage records), and names how to go on."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from degnext.datasets.atomic import TEMP_MARK
from tests.tiny_project import PROJECT, kedro, make_project

A = ("--namespaces", "A")
# kedro run, in-process, with pandas' Parquet writer SIGKILLing the process half-way through
# writing the file named by $DIE_SAVING (its temporary file): the crash atomic saves guard against.
KILLED_WHILE_SAVING = """
import os, signal, sys
import pandas as pd
from kedro.framework.cli import main

write = pd.DataFrame.to_parquet

def dies_half_way(self, target, *args, **kwargs):
    if os.environ["DIE_SAVING"] in str(getattr(target, "path", target)):
        target.write(b"PAR1 half a file")
        target.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return write(self, target, *args, **kwargs)

pd.DataFrame.to_parquet = dies_half_way
sys.argv = ["kedro", *sys.argv[1:]]
main()
"""


def set_labeling(root: Path, **changes) -> None:
    """Change labeling parameters of the tiny project (the whole section, as conf/local does)."""
    labeling = yaml.safe_load((PROJECT / "conf/base/parameters_labeling.yml").read_text())
    params = yaml.safe_load((root / "conf/local/parameters.yml").read_text())
    params["labeling"] = {**labeling["labeling"], **changes}
    (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(params))


def temporaries(root: Path) -> list[str]:
    return sorted(str(p) for p in (root / "data").rglob("*") if TEMP_MARK in p.name)


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.rstrip().splitlines()[-1]


@pytest.fixture(scope="module")
def split_cohort(tmp_path_factory) -> Path:
    """Cohort A ingested, labeled and split."""
    root = make_project(tmp_path_factory.mktemp("split"))
    for pipeline in ("ingestion", "labeling", "splitting"):
        kedro(root, "run", "--pipeline", pipeline, *A)
    return root


@pytest.fixture
def project(split_cohort, tmp_path) -> Path:
    return Path(shutil.copytree(split_cohort, tmp_path / "project", symlinks=True))


def killed_while_saving(project: Path, target: str, *args: str) -> subprocess.CompletedProcess:
    """``kedro run *args``, SIGKILLed half-way through writing ``target`` (under data/)."""
    (project / "kill.py").write_text(KILLED_WHILE_SAVING)
    folder, name = target.rsplit("/", 1)
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "kill.py", "run", *args],
        cwd=project,
        env={**env, "DIE_SAVING": f"{folder}/.{name}"},  # the temporary sibling of the target
        capture_output=True,
        timeout=900,
        check=False,
    )


def test_a_run_killed_while_saving_leaves_the_previous_file_and_the_rerun_cleans_up(project):
    expression = project / "data/04_feature/A/expression.parquet"
    before = expression.read_bytes()
    set_labeling(project, qnt_cut=0.5)
    killed = killed_while_saving(project, "04_feature/A/expression.parquet", "--pipeline", "labeling", *A)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert expression.read_bytes() == before
    assert [Path(p).name.split(TEMP_MARK)[0] for p in temporaries(project)] == [
        ".expression.parquet"
    ]

    kedro(project, "run", "--pipeline", "labeling", *A)
    assert temporaries(project) == []
    assert expression.read_bytes() != before  # qnt_cut 0.5 keeps fewer genes than 0.25
    assert expression.read_bytes().startswith(b"PAR1")


def test_a_half_finished_labeling_is_never_read_as_consistent(project):
    """Another qnt_cut rewrites A.filtered_counts and A.expression; the run dies saving the DEA."""
    dea_results = project / "data/03_primary/A/dea_results.parquet"
    splits = project / "data/05_model_input/A/splits.parquet"
    before = {path: path.read_bytes() for path in (dea_results, splits)}
    set_labeling(project, qnt_cut=0.5)
    killed = killed_while_saving(project, "03_primary/A/dea_results.parquet", "--pipeline", "labeling", *A)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert {path: path.read_bytes() for path in before} == before  # old DEA and splits remain

    set_labeling(project)  # back to the defaults; the old splits come from the old matrix
    mixed = kedro(project, "run", "--pipeline", "baselines", *A, check=False)
    assert mixed.returncode == 1
    assert last_line(mixed) == (
        "DEGnextInputError: node 'A.train_baselines': its input 'A.splits' was computed from "
        "another version of 'A.filtered_counts' than the one on disk (a run that stopped "
        "half-way, or one that ran part of the pipeline with other parameters). Rebuild it and "
        "what depends on it, with this run's parameters: "
        'kedro run --from-nodes "A.filter_genes"'
    )
    assert not (project / "data/07_model_output/A/baseline_metrics.parquet").exists()

    # the named command makes the set consistent again
    to = "A.split_genes,A.build_features"  # what baselines read; --to-nodes keeps the test short
    kedro(project, "run", "--from-nodes", "A.filter_genes", "--to-nodes", to)
    assert temporaries(project) == []
    kedro(project, "run", "--pipeline", "baselines", *A)
    assert (project / "data/07_model_output/A/baseline_metrics.parquet").is_file()
    assert {path: path.read_bytes() for path in before} == before  # same parameters, same bytes

"""One tiny three-cohort run, pipeline by pipeline, in memory: each fixture is one pipeline's run.

Each pipeline's test asserts on its own run; later pipelines take their inputs from the earlier
runs, so running one test file runs only the pipelines upstream of it.
"""

from __future__ import annotations

from typing import Any

import pytest

from degnext import cohorts
from degnext.datasets import PNGDataset
from degnext.pipelines import (
    baselines,
    cnn_general,
    cnn_transfer,
    ingestion,
    labeling,
    reporting,
    robustness,
    splitting,
)
from tests.pipelines.in_memory import run_in_memory, tiny_parameters

Outputs = dict[str, Any]
FIGURES = ("reporting.roc_figure", "reporting.roc_transfer_figure", "reporting.robustness_figure")


@pytest.fixture(scope="session")
def parameters(tmp_path_factory) -> dict[str, Any]:
    """The tiny run's parameters; the paper's tables are absent, so the report says so."""
    return tiny_parameters(str(tmp_path_factory.mktemp("paper_tables") / "absent"))


@pytest.fixture(scope="session")
def groups(parameters) -> dict[str, list[str]]:
    return cohorts.cohort_groups(parameters)


@pytest.fixture(scope="session")
def ingestion_run(parameters, groups) -> Outputs:
    pipeline = ingestion.create_pipeline(
        groups["raw"], groups["released"], groups["gdc"], groups["synthetic"]
    )
    return run_in_memory(pipeline, parameters, {})


@pytest.fixture(scope="session")
def labeling_run(parameters, groups, ingestion_run) -> Outputs:
    return run_in_memory(labeling.create_pipeline(groups["raw"]), parameters, ingestion_run)


@pytest.fixture(scope="session")
def splitting_run(parameters, groups, labeling_run) -> Outputs:
    return run_in_memory(splitting.create_pipeline(groups["raw"]), parameters, labeling_run)


@pytest.fixture(scope="session")
def labeled(ingestion_run, labeling_run, splitting_run) -> Outputs:
    """Every cohort's samples, expression and splits: what the learning pipelines read."""
    return {**ingestion_run, **labeling_run, **splitting_run}


@pytest.fixture(scope="session")
def cnn_general_run(parameters, groups, labeled) -> Outputs:
    return run_in_memory(cnn_general.create_pipeline(groups["general"]), parameters, labeled)


@pytest.fixture(scope="session")
def cnn_transfer_run(parameters, groups, labeled) -> Outputs:
    pipeline = cnn_transfer.create_pipeline(groups["train"], groups["untrained"])
    return run_in_memory(pipeline, parameters, labeled)


@pytest.fixture(scope="session")
def baselines_run(parameters, groups, labeled) -> Outputs:
    pipeline = baselines.create_pipeline(groups["general"], groups["train"], groups["untrained"])
    return run_in_memory(pipeline, parameters, labeled)


@pytest.fixture(scope="session")
def robustness_run(parameters, groups, labeled, cnn_general_run, baselines_run) -> Outputs:
    inputs = {**labeled, **cnn_general_run, **baselines_run}
    return run_in_memory(robustness.create_pipeline(groups["general"]), parameters, inputs)


@pytest.fixture(scope="session")
def reporting_run(
    parameters, groups, labeled, cnn_general_run, cnn_transfer_run, baselines_run, robustness_run,
    tmp_path_factory,
) -> Outputs:  # fmt: skip
    """The report over every earlier run. Its figures go through PNGDataset files: the page
    embeds the PNG bytes that the dataset loads back, not the Figure that the node returns."""
    folder = tmp_path_factory.mktemp("figures")
    figures = {name: PNGDataset(filepath=str(folder / f"{name}.png")) for name in FIGURES}
    inputs = {**labeled, **cnn_general_run, **cnn_transfer_run, **baselines_run, **robustness_run}
    pipeline = reporting.create_pipeline(
        groups["general"], groups["untrained"], False, groups["gdc"]
    )
    return run_in_memory(pipeline, parameters, inputs, datasets=figures)

"""Run one registered pipeline in memory, as ``kedro run`` would but without files.

Inputs and parameters go into a ``DataCatalog`` of ``MemoryDataset``s; parameters are added the
way a run adds them: each top-level section as ``params:<section>``, plus what
``degnext.cohorts.node_parameters`` builds (``params:<C>.<section>``, ``params:cohort_groups.*``),
as ``degnext.hooks.cohort_registry`` does. Every node's outputs are kept, intermediate ones too.
"""

from __future__ import annotations

import copy
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.framework.hooks.manager import _create_hook_manager
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node
from kedro.runner import SequentialRunner

from degnext.cohorts import node_parameters
from degnext.datasets import AnnotationTableDataset
from degnext.hooks.run_info import describe_run
from degnext.input_datasets import input_datasets
from degnext.parameter_schema import validate_parameters
from degnext.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS
from tests import tiny_project

# The end-to-end tests' tiny cohorts; B only trains the transfer model (no general learning).
TINY_COHORTS = {
    **tiny_project.TINY_COHORTS,
    "B": {**tiny_project.TINY_COHORTS["B"], "general": False},
}
TINY_STAGES = {
    "first_level": {"epochs": 2, "batch_size": 128},
    "fine_tune": {"epochs": 2, "batch_size": 32},
}
N_GENES = 800


def tiny_parameters(paper_tables: str) -> dict[str, Any]:
    """conf/base's parameters with three small synthetic cohorts, short training, small forests.

    A and B train the transfer model, C is untrained; B has no general learning (``general:
    false``), so the per-cohort pipelines of general learning run for A and C only.

    ``paper_tables`` is where the report looks for the paper's tables (absent is fine).
    """
    loader = CONFIG_LOADER_CLASS(
        str(tiny_project.PROJECT / "conf"), env="base", **CONFIG_LOADER_ARGS
    )
    parameters = copy.deepcopy(loader["parameters"])
    parameters["cohorts"] = copy.deepcopy(TINY_COHORTS)
    parameters["ingestion"]["synthetic"]["n_genes"] = N_GENES
    parameters["splitting"].update(n_folds=2, seed=5)
    for section in ("cnn_general", "cnn_transfer"):
        for stage, settings in TINY_STAGES.items():
            parameters[section][stage] = {**parameters[section][stage], **settings}
    models = parameters["baselines"]["models"]
    models["random_forest"]["n_estimators"] = 10
    models["xgboost"]["n_estimators"] = 10
    parameters["baselines"]["n_jobs"] = 1
    parameters["robustness"] = {"noise_levels": [100, 1500], "seeds": [1, 2]}
    parameters["reporting"]["paper_tables"] = paper_tables
    validate_parameters(parameters)
    return parameters


ANNOTATION_TABLES = {
    table: AnnotationTableDataset(table=table) for table in ("gencode_genes", "gene_length_gc")
}


class _KeepOutputs:
    """Keeps what every node returns, before the runner releases intermediate datasets."""

    def __init__(self) -> None:
        self.outputs: dict[str, Any] = {}

    @hook_impl
    def after_node_run(self, node: Node, outputs: dict[str, Any]) -> None:
        self.outputs.update(outputs)


def run_in_memory(
    pipeline: Pipeline,
    parameters: dict[str, Any],
    inputs: dict[str, Any],
    datasets: dict[str, AbstractDataset] | None = None,
) -> dict[str, Any]:
    """Run ``pipeline`` with SequentialRunner; return every output of every node by name.

    ``inputs`` are the pipeline's free inputs (other entries are ignored); ``datasets`` are real
    datasets for entries whose loaded value differs from the saved one (PNG figures).
    """
    catalog = DataCatalog(
        {name: MemoryDataset(value) for name, value in inputs.items() if name in pipeline.inputs()}
    )
    for name, dataset in (datasets or {}).items():
        catalog[name] = dataset
    # What the run reads (annotation tables, gene sets, paper tables), as the catalog reads it.
    readers = {**input_datasets(parameters), **ANNOTATION_TABLES}
    for name in pipeline.inputs() - set(catalog.keys()):
        if name in readers:
            catalog[name] = readers[name]
    catalog["parameters"] = parameters
    for section, value in parameters.items():
        catalog[f"params:{section}"] = value
    for key, value in node_parameters(parameters).items():
        catalog[f"params:{key}"] = value
    if "run_info" in pipeline.inputs():
        catalog["run_info"] = describe_run({}, pipeline, catalog)
    kept = _KeepOutputs()
    hooks = _create_hook_manager()
    hooks.register(kept)
    SequentialRunner().run(pipeline, catalog, hook_manager=hooks)
    return kept.outputs

"""Hooks that hand the run's parameters (environment and --params included) to the registry and nodes.

This is the one place where the run's parameters shape the pipelines and their inputs: the
registry builds one namespace per cohort from them, the per-cohort parameters that nodes read
(``params:<section>`` inside a cohort's namespace) are merged here once, before the run, and the
datasets the run reads (a cohort's source, its disease genes, the release, gene sets, the paper's
tables) are built here from them (``degnext.input_datasets``).
``RunInfoHooks`` tells the report what only the session knows.
"""

from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines
from kedro.io import CatalogProtocol, DataCatalog
from kedro.pipeline import Pipeline

from degnext import cohorts
from degnext.hooks import run_info
from degnext.input_datasets import input_datasets
from degnext.parameter_schema import validate_parameters


class CohortRegistryHooks:
    """Hand the run's parameters (``cohorts``, ``experiments``) to the registry, then rebuild.

    Kedro may build the pipelines while the context is still being created, before the
    environment's parameters are known; the rebuild makes them follow ``--env`` and ``--params``.
    """

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        # The loader's parameters (runtime --params merged in), not context.params: validating
        # those builds the pipelines first, whose fallback config loader would replace this
        # loader's process-wide ``globals`` resolver (and so the environment's data_root).
        parameters = context.config_loader["parameters"]
        validate_parameters(parameters)  # every section against its schema, before any node runs
        cohorts.set_run_parameters(parameters)
        pipelines.configure("degnext.pipeline_registry")

    @hook_impl
    def after_catalog_created(self, catalog: CatalogProtocol, parameters: dict[str, Any]) -> None:
        """Add each cohort's merged sections, name and groups (``cohorts.node_parameters``) and
        the input datasets that the parameters configure (``input_datasets``)."""
        run_parameters = parameters["parameters"]
        for key, value in cohorts.node_parameters(run_parameters).items():
            catalog[f"params:{key}"] = value
        for name, dataset in input_datasets(run_parameters).items():
            catalog[name] = dataset


class RunInfoHooks:
    """Put the run's environment, date, code commit and transfer weights in the catalog as
    ``run_info``, the report's header."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict, pipeline: Pipeline, catalog: DataCatalog
    ) -> None:
        catalog["run_info"] = run_info.describe_run(run_params, pipeline, catalog)

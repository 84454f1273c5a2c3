"""Hooks that let the pipeline registry see the run's parameters (environment and --params included),
and that tell the report what only the session knows (``RunInfoHooks``)."""

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline

from degnext import cohorts, run_info


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
        cohorts.set_run_parameters(context.config_loader["parameters"])
        pipelines.configure("degnext.pipeline_registry")


class RunInfoHooks:
    """Put the run's environment, date, code commit and transfer weights in the catalog as
    ``run_info``, the report's header."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict, pipeline: Pipeline, catalog: DataCatalog
    ) -> None:
        catalog["run_info"] = run_info.describe_run(run_params, pipeline, catalog)

"""Hooks that let the pipeline registry see the run's parameters (environment and --params included)."""

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines

from degnext import cohorts


class CohortRegistryHooks:
    """Hand the run's parameters (``cohorts``, ``experiments``) to the registry, then rebuild.

    Kedro may build the pipelines while the context is still being created, before the
    environment's parameters are known; the rebuild makes them follow ``--env`` and ``--params``.
    """

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        cohorts.set_run_parameters(context.params)
        pipelines.configure("degnext.pipeline_registry")

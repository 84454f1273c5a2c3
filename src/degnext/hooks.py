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
        # The loader's parameters (runtime --params merged in), not context.params: validating
        # those builds the pipelines first, whose fallback config loader would replace this
        # loader's process-wide ``globals`` resolver (and so the environment's data_root).
        cohorts.set_run_parameters(context.config_loader["parameters"])
        pipelines.configure("degnext.pipeline_registry")

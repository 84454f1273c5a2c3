"""Hooks that let the pipeline registry see the run's cohorts (environment and --params included)."""

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl

from degnext import cohorts


class CohortRegistryHooks:
    """Hand the run's ``cohorts`` parameters to the registry before pipelines are built."""

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        cohorts.set_run_cohorts(context.params.get("cohorts"))

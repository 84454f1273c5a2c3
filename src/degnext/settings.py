"""Kedro project settings (https://docs.kedro.org/en/stable/kedro_project_setup/settings.html)."""

from degnext.config_loader import DEGnextConfigLoader
from degnext.hooks import CohortRegistryHooks
from degnext.parallel_hooks import ParallelWorkerHooks

HOOKS = (CohortRegistryHooks(), ParallelWorkerHooks())

CONFIG_LOADER_CLASS = DEGnextConfigLoader
# Soft merge: an environment or --params section.key=v changes that key, not the whole section
# (an environment's `cohorts` list still replaces base's: see degnext.config_loader).
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "merge_strategy": {"parameters": "soft"},
}

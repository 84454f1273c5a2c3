"""Kedro project settings (https://docs.kedro.org/en/stable/kedro_project_setup/settings.html)."""

import warnings

from degnext.config_loader import LOADER_ARGS, DEGnextConfigLoader
from degnext.hooks.cohort_registry import CohortRegistryHooks, RunInfoHooks
from degnext.hooks.failure_output import FailureOutputHooks
from degnext.hooks.lineage import LineageHooks
from degnext.hooks.parallel_workers import ParallelWorkerHooks
from degnext.hooks.upstream import UpstreamOutputHooks
from degnext.runners.dask_cluster import DaskSettingsHooks

HOOKS = (
    CohortRegistryHooks(),
    ParallelWorkerHooks(),
    FailureOutputHooks(),
    LineageHooks(),
    RunInfoHooks(),
    DaskSettingsHooks(),
    UpstreamOutputHooks(),
)

CONFIG_LOADER_CLASS = DEGnextConfigLoader
CONFIG_LOADER_ARGS = LOADER_ARGS  # soft-merged parameters: see degnext.config_loader

# Two warnings that a normal `kedro run` cannot avoid, filtered by exact category, message and
# the Kedro module that emits them (every other warning still shows):
# - Kedro 1.7's config loader calls OmegaConf.register_new_resolver, which omegaconf 2.4
#   deprecates; the project registers no resolver itself, so only a Kedro release can fix it.
warnings.filterwarnings(
    "ignore",
    message=r"register_new_resolver\(\) is deprecated",
    category=UserWarning,
    module="kedro.config.omegaconf_config",
)
# - Kedro warns once when a node reads a dataset of another namespace ("dataset names contain
#   '.'"). Here the dot is that namespace: each cohort is one, and the transfer, baseline,
#   predict and reporting nodes necessarily read several cohorts' datasets (``A.expression``).
warnings.filterwarnings(
    "ignore",
    message=r"One or more dataset names contain '\.' characters",
    category=UserWarning,
    module="kedro.pipeline.node",
)

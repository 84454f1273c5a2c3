"""The project's config loader: environments and ``--params`` state only what differs from base.

Kedro's default merge of parameters is destructive: an environment (or ``--params
predict.threshold=0.4`` with an environment) that names a section replaces all of it, so
environments had to copy whole blocks. ``settings.py`` sets ``merge_strategy`` to ``soft`` for
parameters, so one key changes one key. One block keeps replace semantics: ``cohorts`` is the
run's list of cohorts, so an environment whose parameter files list cohorts runs exactly those,
not base's embedded cohorts as well. (``--params cohorts.<C>.<key>=v`` still changes one key.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from kedro.config import OmegaConfigLoader

# Top-level parameters that an environment replaces as a whole when its files define them.
REPLACED_BY_ENVIRONMENT = ("cohorts",)
# settings.py's CONFIG_LOADER_ARGS; here so that code reading conf/ outside a Kedro session
# (degnext.cohorts, benchmarks) loads it exactly as a run does without importing the settings.
LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "merge_strategy": {"parameters": "soft"},
    # conf/<env>/dask.yml: where DaskRunner finds its cluster (degnext.runners.dask_cluster)
    "config_patterns": {"dask": ["dask*", "dask*/**"]},
}


class DEGnextConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` with soft-merged parameters, except the blocks listed above."""

    def _soft_merge(
        self, config: dict[str, Any], env_config: dict[str, Any], env_path: str | None = None
    ) -> Any:
        merged = super()._soft_merge(config, env_config, env_path)
        for key in REPLACED_BY_ENVIRONMENT:
            if key in env_config and key in self._keys_in_files(env_path):
                merged[key] = env_config[key]
        return merged

    def _keys_in_files(self, env_path: str | None) -> set[str]:
        """Top-level keys that the environment's parameter files themselves define.

        The environment's merged config also holds the run's ``--params``, so the files are read
        to tell an environment that lists cohorts from a command line that overrides one of base's.
        """
        if env_path is None:
            return set()
        keys: set[str] = set()
        for pattern in self.config_patterns["parameters"]:
            for path in Path(env_path).glob(pattern):
                if path.is_file() and path.suffix in (".yml", ".yaml", ".json"):
                    keys.update(yaml.safe_load(path.read_text()) or {})
        return keys

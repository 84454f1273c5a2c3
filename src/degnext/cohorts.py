"""The cohorts of a run: one Kedro namespace each, with parameters that override the defaults.

A cohort entry in ``parameters.yml`` looks like::

    cohorts:
      BRCA:
        role: train            # train: its T1/F1 train the transfer model; untrained: its Q is predicted
        source: gdc            # ingestion source, with a block of the same name for its settings
        labeling:              # any section here overrides conf/base/parameters_labeling.yml for BRCA
          fdr_cutoff: 0.05
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from degnext.errors import DEGnextInputError

ROLES = ("train", "untrained")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
EXPERIMENTS = {"general_learning": True, "transfer_model": "trained", "compare_published": False}
TRANSFER_MODELS = ("trained", "published")
_run_parameters: dict[str, Any] | None = None


def set_run_parameters(parameters: dict[str, Any] | None) -> None:
    """Remember the parameters of the current Kedro context (called by a hook)."""
    global _run_parameters  # noqa: PLW0603 - the registry has no other way to see the context
    _run_parameters = parameters


def run_parameters(project_path: Path | None = None) -> dict[str, Any]:
    """The run's parameters: from the Kedro context when there is one, else read from conf/."""
    if _run_parameters is not None:
        return _run_parameters
    from kedro.config import OmegaConfigLoader

    conf = (project_path or Path.cwd()) / "conf"
    loader = OmegaConfigLoader(
        str(conf), base_env="base", default_run_env="local", env=os.environ.get("KEDRO_ENV")
    )
    return loader["parameters"]


def configured_cohorts(parameters: dict[str, Any] | None = None) -> dict[str, dict]:
    """The run's cohorts (``cohorts`` parameter of ``parameters``, default the run's), validated."""
    return validate_cohorts((parameters or run_parameters()).get("cohorts"))


def configured_experiments(parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the run does beyond the data pipelines (``experiments`` parameter), validated.

    ``general_learning: false`` leaves out general learning and what builds on it (baselines and
    robustness on T3); ``transfer_model: published`` uses the authors' released transfer weights
    instead of training them; ``compare_published: true`` (with a trained model) also applies the
    published weights to Q in the same run, so the report sets the two models side by side.
    """
    given = (parameters or run_parameters()).get("experiments") or {}
    unknown = sorted(set(given) - set(EXPERIMENTS))
    if unknown:
        raise DEGnextInputError(
            f"parameter 'experiments': unknown key(s) {unknown}; known: {sorted(EXPERIMENTS)}"
        )
    experiments = {**EXPERIMENTS, **given}
    for switch in ("general_learning", "compare_published"):
        if not isinstance(experiments[switch], bool):
            raise DEGnextInputError(
                f"parameter 'experiments.{switch}' must be true or false, got "
                f"{experiments[switch]!r}"
            )
    if experiments["transfer_model"] not in TRANSFER_MODELS:
        raise DEGnextInputError(
            f"parameter 'experiments.transfer_model' is {experiments['transfer_model']!r}; "
            f"use one of {TRANSFER_MODELS}"
        )
    return experiments


def validate_cohorts(cohorts: Any) -> dict[str, dict]:
    """Fail early, naming the parameter, on cohort names or roles the pipelines cannot use."""
    if not isinstance(cohorts, dict) or not cohorts:
        raise DEGnextInputError("parameter 'cohorts' must map at least one cohort name to settings")
    for name, settings in cohorts.items():
        if not _NAME.match(str(name)):
            raise DEGnextInputError(
                f"parameter 'cohorts.{name}': a cohort name must start with a letter and hold only "
                "letters, digits and '_' (it becomes a Kedro namespace)"
            )
        role = (settings or {}).get("role")
        if role not in ROLES:
            raise DEGnextInputError(
                f"parameter 'cohorts.{name}.role' is {role!r}; use one of {ROLES}"
            )
    return cohorts


def names(cohorts: dict[str, dict], role: str | None = None) -> list[str]:
    """Cohort names in configuration order, optionally only those of one role."""
    return [name for name, settings in cohorts.items() if role is None or settings["role"] == role]


def resolve(defaults: dict, cohort: dict, section: str) -> dict:
    """The parameters of one pipeline section for one cohort: defaults overridden by the cohort."""
    return _deep_merge(defaults, (cohort or {}).get(section) or {})


def _deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged

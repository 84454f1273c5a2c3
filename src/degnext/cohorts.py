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

from degnext.config_loader import LOADER_ARGS, DEGnextConfigLoader
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
    conf = (project_path or Path.cwd()) / "conf"
    loader = DEGnextConfigLoader(str(conf), env=os.environ.get("KEDRO_ENV"), **LOADER_ARGS)
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


# The sections a cohort may override (``cohorts.<C>.<section>``): those of the per-cohort pipelines.
COHORT_SECTIONS = ("ingestion", "labeling", "splitting", "cnn_general", "baselines", "robustness")


def cohort_groups(parameters: dict[str, Any]) -> dict[str, list[str]]:
    """Which cohorts each part of the run takes, in configuration order.

    ``raw`` are labeled and split here, ``released`` come split (``source: release``),
    ``general`` get general learning (unless ``general: false`` or
    ``experiments.general_learning: false``), ``train``/``untrained`` by role, and ``reported``
    have predicted genes in the report (general, then the untrained ones not already listed),
    ``gdc`` come from the GDC API (their manifest and data release are saved and reported),
    ``synthetic`` are generated (they read no input dataset).
    """
    run_cohorts = configured_cohorts(parameters)
    experiments = configured_experiments(parameters)
    every = names(run_cohorts)
    released = [name for name in every if run_cohorts[name].get("source") == "release"]
    general = [
        name
        for name in every
        if experiments["general_learning"] and run_cohorts[name].get("general", True)
    ]
    untrained = names(run_cohorts, "untrained")
    return {
        "every": every,
        "raw": [name for name in every if name not in released],
        "released": released,
        "general": general,
        "train": names(run_cohorts, "train"),
        "untrained": untrained,
        "reported": list(dict.fromkeys(general + untrained)),
        "gdc": [name for name in every if run_cohorts[name].get("source") == "gdc"],
        "synthetic": [name for name in every if run_cohorts[name].get("source") == "synthetic"],
    }


def node_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters that nodes read besides the configured ones, built once per run.

    For each cohort ``C``: ``C.<section>`` is the section's defaults merged with
    ``cohorts.C.<section>`` (so a node in namespace ``C`` reads plain ``params:<section>``),
    ``C.cohort`` its entry under ``cohorts`` and ``C.cohort_name`` its name; ``cohort_groups.<g>``
    are the lists of ``cohort_groups``, for the reporting nodes that take one input per cohort.
    Keys are given without the ``params:`` prefix.
    """
    run_cohorts = configured_cohorts(parameters)
    built: dict[str, Any] = {}
    for name, settings in run_cohorts.items():
        built[f"{name}.cohort"] = settings
        built[f"{name}.cohort_name"] = name
        for section in COHORT_SECTIONS:
            if section in parameters:
                built[f"{name}.{section}"] = _deep_merge(
                    parameters[section], (settings or {}).get(section) or {}
                )
    for group, members in cohort_groups(parameters).items():
        built[f"cohort_groups.{group}"] = members
    return built


def source_settings(cohort: dict, ingestion: dict, source: str) -> dict:
    """A source's settings for one cohort: its block ``cohorts.<C>.<source>`` over the defaults
    ``ingestion.sources.<source>`` of ``ingestion``, the cohort's merged section."""
    return {**ingestion["sources"][source], **(cohort.get(source) or {})}


def _deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged

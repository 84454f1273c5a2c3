"""What the report's header says about a run, as only the Kedro session knows it.

The environment, the commit of the code and the transfer weights are facts about the session, not
about any dataset; a hook (``degnext.hooks.cohort_registry.RunInfoHooks``) gathers them into the ``run_info``
dataset before the run starts, so the report node stays a plain function of its inputs.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline

from degnext.reproducible import report_date

DEFAULT_ENVIRONMENT = "local"


def git_commit(project_path: str | Path | None) -> str:
    """The commit of the code at ``project_path`` (with ``+ local changes`` when the tree is
    dirty), or ``unknown`` outside a git checkout or without git."""
    if project_path is None:
        return "unknown"

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(project_path), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} + local changes" if dirty else commit


def weights_used(pipeline: Pipeline, catalog: DataCatalog) -> str:
    """Which transfer model this run's predictions come from: the published file it imports, the
    model it trains, or (a run that neither trains nor imports) the newest checkpoint.

    No timestamped version is named, so two runs of the same code and seed write the same report;
    the report adds the weights' digest, which identifies the checkpoint by content.
    """
    produced = {
        node.name.rsplit(".", 1)[-1] for node in pipeline.nodes if "transfer.model" in node.outputs
    }
    published = getattr(catalog.get("transfer.published_weights"), "filepath", "unknown")
    if "import_published_model" in produced:
        return f"the authors' published weights, file {published}"
    if not produced:
        return "the newest transfer.model checkpoint (not trained in this run)"
    trained = "transfer model trained in this run (transfer.model)"
    if any("transfer.published_model" in node.outputs for node in pipeline.nodes):
        return f"{trained}; beside it the authors' published weights, file {published}"
    return trained


def weights_digest(model: torch.nn.Module) -> str:
    """First 16 hex digits of the SHA-256 of a model's weights (names, shapes, bytes, in order)."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def describe_run(
    run_params: Mapping[str, Any], pipeline: Pipeline, catalog: DataCatalog
) -> dict[str, str]:
    """Environment, date, code commit and transfer weights of the run that is starting."""
    return {
        "environment": run_params.get("env") or DEFAULT_ENVIRONMENT,
        "date": report_date(),
        "commit": git_commit(run_params.get("project_path")),
        "weights": weights_used(pipeline, catalog),
    }

"""Before a run: every input that another pipeline writes must exist, or the run stops and says
which pipeline to run first (instead of a DatasetError deep in the run); every file that the run
reads as an input (a cohort's counts, a gene list, gene sets) must exist too, or the run stops
naming it and the parameter that points at it, before the first cohort is downloaded."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines
from kedro.pipeline import Pipeline

from degnext.datasets.input_dataset import InputDataset
from degnext.errors import DEGnextInputError


def producers(registry: dict[str, Pipeline]) -> dict[str, str]:
    """Dataset name -> the first registered pipeline (in registry order) whose nodes write it."""
    written: dict[str, str] = {}
    for name, pipeline in registry.items():
        if name == "__default__":
            continue
        for dataset in pipeline.all_outputs():
            written.setdefault(dataset, name)
    return written


def missing_upstream(
    free_inputs: set[str], exists: Any, registry: dict[str, Pipeline]
) -> dict[str, list[str]]:
    """Producing pipeline -> its datasets among ``free_inputs`` that ``exists`` says are absent.

    Inputs that no pipeline writes (the user's files, the published weights) are left to their
    loaders, which name the file.
    """
    written = producers(registry)
    missing: dict[str, list[str]] = {}
    for dataset in sorted(free_inputs):
        if dataset in written and not exists(dataset):
            missing.setdefault(written[dataset], []).append(dataset)
    order = [name for name in registry if name in missing]
    return {name: missing[name] for name in order}


def check_inputs(names: Iterable[str], catalog) -> None:
    """Raise the error a load of any read-only input among ``names`` would raise for a missing
    file or setting (``InputDataset.check``)."""
    for name in sorted(names):
        dataset = catalog.get(name)
        if isinstance(dataset, InputDataset):
            dataset.check()


def pipelines_to_run_first(
    pipeline: Pipeline, exists: Any, registry: dict[str, Pipeline]
) -> list[str]:
    """Registered pipelines that must run before ``pipeline``, upstream ones included, in order.

    A pipeline that writes a missing input may itself need the outputs of another one (predict
    needs the transfer model, which needs the splits, ...); the closure is taken over the union.
    """
    needed: list[str] = []
    while True:
        union = sum((registry[name] for name in needed), pipeline)
        new = [
            name
            for name in missing_upstream(union.inputs(), exists, registry)
            if name not in needed
        ]
        if not new:
            return [name for name in registry if name in needed]
        needed += new


class UpstreamOutputHooks:
    """Stop a run whose inputs are missing, naming the file, or the pipeline that writes them."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog) -> None:
        check_inputs(pipeline.inputs(), catalog)
        registry, exists = dict(pipelines.items()), cache(catalog.exists)
        missing = missing_upstream(pipeline.inputs(), exists, registry)
        if not missing:
            return
        first = pipelines_to_run_first(pipeline, exists, registry)
        env = run_params.get("env")
        where = f" --env {env}" if env and env != "local" else ""
        lines = [
            f"  {', '.join(datasets[:4])}{' ...' if len(datasets) > 4 else ''} "
            f"({len(datasets)} dataset{'s' * (len(datasets) > 1)}): written by pipeline '{name}'"
            for name, datasets in missing.items()
        ]
        raise DEGnextInputError(
            "inputs of this run do not exist yet:\n"
            + "\n".join(lines)
            + f"\nrun {', then '.join(first)} first: kedro run{where} --pipelines {','.join(first)}"
        )

"""What a Dask worker runs for one node: rebuild the node's datasets, run it, save its outputs.

The client sends each node its datasets as catalog configuration (``DataCatalog.to_config``:
absolute paths or URLs, the run's save version, load versions), not as dataset objects, so a
worker starts from fresh datasets whose version caches cannot be stale. In-memory datasets
travel as values: parameters and other in-memory pipeline inputs inside the task, and an
in-memory output of one node is the result of its Dask future, handed to the nodes that read it.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline.node import Node
from kedro.runner.task import Task

SECONDS_TOPIC = "degnext-node-seconds"


def run_node(  # noqa: PLR0913
    node: Node,
    package_name: str | None,
    datasets: dict[str, Any],
    values: dict[str, Any],
    parent_outputs: dict[str, dict[str, Any]],
    memory_outputs: list[str],
    run_id: str | None,
    is_async: bool,
) -> dict[str, Any]:
    """Run ``node`` here; return its in-memory outputs (files are saved); publish its duration.

    ``datasets``: (config, credentials, load_versions, save_version) of the node's persisted
    datasets; ``values``: in-memory inputs by name; ``parent_outputs``: for an input made in
    memory by another node, that node's returned outputs (Dask passes the finished result).
    The project's hooks run here (settings.HOOKS: one torch thread, joblib on threads), as they
    do in ParallelRunner's worker processes.
    """
    hook_manager = _project_hooks(package_name)
    config, credentials, load_versions, save_version = datasets
    catalog = DataCatalog.from_config(config, credentials, load_versions, save_version)
    for name, value in values.items():
        catalog[name] = value
    for name, outputs in parent_outputs.items():
        catalog[name] = outputs["outputs"][name]
    for name in memory_outputs:
        catalog[name] = MemoryDataset()
    start = time.perf_counter()
    Task(
        node=node, catalog=catalog, is_async=is_async, hook_manager=hook_manager, run_id=run_id
    ).execute()
    _report_seconds(time.perf_counter() - start)
    return {"outputs": {name: catalog.load(name) for name in memory_outputs}}


def _report_seconds(seconds: float) -> None:
    """Publish the node's duration as a Dask event keyed by its task.

    The client reads it from the scheduler (``node_seconds``); fetching it from the task's
    result would need a worker slot, and the run's next nodes would wait for that slot.
    """
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # called outside a Dask worker
        return
    worker.log_event(SECONDS_TOPIC, {"key": worker.get_current_task(), "seconds": seconds})


def node_seconds(client: Any, key: str, known: dict[str, float]) -> float | None:
    """A finished task's duration on its worker, from the events the workers published.

    ``known`` caches the events read so far. A worker sends the event before it reports the
    task finished, on the same ordered stream, so it has reached the scheduler by now.
    """
    if key not in known:
        known.update(
            (event["key"], event["seconds"]) for _, event in client.get_events(SECONDS_TOPIC)
        )
    return known.get(key)


@functools.cache
def _project_hooks(package_name: str | None) -> Any:
    """The project's settings and hooks, loaded once per worker process.

    Not Task(parallel=True): it configures the project again for every node, and a long-lived
    Dask worker that does so many times ends in a RecursionError inside Kedro's logging setup.
    """
    from kedro.framework import project
    from kedro.framework.hooks.manager import _create_hook_manager, _register_hooks

    if package_name and project.PACKAGE_NAME != package_name:
        project.configure_project(package_name)
    hook_manager = _create_hook_manager()
    _register_hooks(hook_manager, project.settings.HOOKS)
    return hook_manager

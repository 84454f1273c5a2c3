"""``DaskRunner``: Kedro 1.x nodes as Dask futures, so one ``kedro run`` uses a whole cluster.

    kedro run --runner degnext.runners.DaskRunner                       # LocalCluster
    DEGNEXT_DASK_SCHEDULER=tcp://head:8786 kedro run --runner degnext.runners.DaskRunner

Like Kedro's own runners, the client submits a node once every node it depends on has finished
(so ``--pipelines``, ``--namespaces``, ``--from-nodes``, ``--params`` and ``--env`` act on the
pipeline and catalog that Kedro hands over, as for any runner). Each worker rebuilds the node's
datasets from the catalog's configuration and saves the outputs itself (degnext.runners.
dask_worker); in-memory datasets are carried by Dask (inputs inside the tasks, futures between
nodes), so nothing has to be shared by the processes but the storage. Nodes tagged ``gpu`` ask for the
resource ``GPU=1`` when some worker declares it. A node that raises stops the run after the
nodes already running finish; the error names the node and carries the worker's traceback. A
worker that dies is replaced and its node retried by Dask (``distributed.scheduler.
allowed-failures`` times), then the run fails naming the node.
"""

from __future__ import annotations

import traceback
import uuid
from collections import Counter
from typing import Any

from kedro.io import CatalogProtocol
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node
from kedro.runner import AbstractRunner

from degnext.runners.dask_cluster import (
    DaskSettings,
    dask_client,
    require_dask,
    workers_have_gpus,
)
from degnext.runners.dask_worker import node_seconds, run_node


class DaskNodeError(RuntimeError):
    """A node failed on a Dask worker (raised, or every worker that ran it died)."""


class DaskRunner(AbstractRunner):
    """Run a Kedro pipeline on a Dask cluster (see the module docstring and README)."""

    def __init__(self, is_async: bool = False, scheduler: str | None = None):
        """``scheduler``: a scheduler address; default DEGNEXT_DASK_SCHEDULER, then dask.yml."""
        super().__init__(is_async=is_async)
        self._scheduler = scheduler

    def _get_executor(self, max_workers: int) -> None:
        return None  # Dask schedules; AbstractRunner's executor loop is not used

    def _run(
        self,
        pipeline: Pipeline,
        catalog: CatalogProtocol,
        hook_manager: Any = None,
        run_id: str | None = None,
    ) -> None:
        require_dask()
        plan = _RunPlan(pipeline, catalog)
        settings = DaskSettings.resolve(self._scheduler)
        with dask_client(settings) as client:
            gpu_tag = settings.gpu_tag if workers_have_gpus(client) else None
            self._execute(client, plan, gpu_tag, run_id)

    def _execute(
        self, client: Any, plan: _RunPlan, gpu_tag: str | None, run_id: str | None
    ) -> None:
        """Submit ready nodes, collect finished ones; on a failure, let running nodes finish."""
        from distributed import wait
        from distributed.client import FuturesCancelledError
        from kedro.framework.project import PACKAGE_NAME

        pipeline, nodes = plan.pipeline, plan.pipeline.nodes
        dependencies = pipeline.node_dependencies
        readers = Counter(parent for node in nodes for parent in plan.memory_parents(node))
        values = plan.input_values()
        todo, done, running = set(nodes), set(), {}
        results: dict[Node, Any] = {}  # futures whose in-memory outputs are still needed
        durations: dict[str, float] = {}
        failure: DaskNodeError | None = None
        while todo or running:
            ready = [] if failure else [n for n in todo if dependencies[n] <= done]
            for node in sorted(ready, key=lambda n: n.name):
                todo.discard(node)
                future = client.submit(
                    run_node,
                    node,
                    PACKAGE_NAME,
                    plan.datasets(node),
                    {name: values[name] for name in node.inputs if name in values},
                    {name: results[plan.producer[name]] for name in plan.memory_inputs(node)},
                    plan.memory_outputs(node),
                    run_id,
                    self._is_async,
                    key=f"{node.name}-{uuid.uuid4().hex[:8]}",
                    pure=False,
                    resources={"GPU": 1} if gpu_tag and gpu_tag in node.tags else None,
                )
                running[future] = node
            if not running:
                if todo and not failure:
                    raise RuntimeError(f"DaskRunner could not schedule {sorted(todo)}")
                break
            try:
                finished = wait(list(running), return_when="FIRST_COMPLETED").done
            except FuturesCancelledError:  # e.g. the scheduler went away: reported per node
                finished = {future for future in running if future.done()}
            for future in finished:
                node = running.pop(future)
                error = _node_error(node, future)
                if error is not None:
                    self._logger.error(str(error))
                    failure = failure or error
                    continue
                done.add(node)
                if plan.memory_outputs(node):
                    results[node] = future
                for parent in plan.memory_parents(node):
                    readers[parent] -= 1
                    if readers[parent] == 0 and not plan.keeps(parent):
                        results.pop(parent, None)
                seconds = node_seconds(client, future.key, durations)
                if seconds is None:
                    self._logger.info("Completed node: %s", node.name)
                else:
                    self._logger.info(
                        "Completed node: %s (%.2f s on its worker)", node.name, seconds
                    )
                self._logger.info("Completed %d out of %d tasks", len(done), len(nodes))
        if failure:
            self._suggest_resume_scenario(pipeline, done, plan.catalog)
            raise failure
        plan.save_memory_outputs(results)


def _node_error(node: Node, future: Any) -> DaskNodeError | None:
    """None for a finished node, else an error naming it, with the worker's traceback."""
    from distributed import KilledWorker

    if future.status == "finished":
        return None
    if future.status != "error":
        return DaskNodeError(f"Node {node.name} did not finish: its Dask task is {future.status}")
    exception = future.exception()
    if isinstance(exception, KilledWorker):
        error = DaskNodeError(
            f"Node {node.name} failed: the Dask workers that ran it died ({exception}). "
            "It saves its outputs only after it returns, so none of them comes from this run; "
            "a worker that dies while saving can leave that one file incomplete: re-run the node."
        )
    else:
        worker_traceback = "".join(traceback.format_tb(future.traceback()))
        error = DaskNodeError(
            f"Node {node.name} failed on a Dask worker: "
            f"{''.join(traceback.format_exception_only(exception)).strip()}\n"
            f"Worker traceback:\n{worker_traceback}"
        )
    error.__cause__ = exception
    return error


class _RunPlan:
    """What crosses process boundaries for each node, decided (and checked) before Dask starts.

    Persisted datasets go as catalog configuration; in-memory datasets go as values: pipeline
    inputs (parameters above all) go inside each task, and an in-memory output of a node reaches the
    nodes that read it through that node's Dask future.
    """

    def __init__(self, pipeline: Pipeline, catalog: CatalogProtocol):
        self.pipeline, self.catalog = pipeline, catalog
        config, credentials, load_versions, save_version = catalog.to_config()
        self._config, self._credentials = config, credentials
        self._load_versions, self._save_version = load_versions, save_version
        self.producer = {name: node for node in pipeline.nodes for name in node.outputs}
        self._in_memory = {name for name in pipeline.datasets() if name not in config}
        self._check_serialisable()

    def _check_serialisable(self) -> None:
        import cloudpickle  # comes with distributed (the dask extra)

        def fails(item: Any) -> bool:
            try:
                cloudpickle.dumps(item)
            except Exception:
                return True
            return False

        nodes = sorted(n.name for n in self.pipeline.nodes if fails(n))
        datasets = sorted(
            name
            for name in self.pipeline.datasets()
            if name in self._config
            and (
                fails(self._config[name])
                or getattr(self.catalog.get(name), "_SINGLE_PROCESS", False)
            )
        )
        if nodes or datasets:
            raise DaskNodeError(
                "DaskRunner sends every node and dataset to other processes; these cannot be "
                f"sent: nodes {nodes}, datasets {datasets} (single-process or unpicklable)"
            )

    def datasets(self, node: Node) -> tuple:
        """The node's persisted datasets as (config, credentials, load_versions, save_version)."""
        names = [name for name in (*node.inputs, *node.outputs) if name in self._config]
        return (
            {name: self._config[name] for name in names},
            self._credentials,
            {name: self._load_versions.get(name) for name in names},
            self._save_version,
        )

    def memory_inputs(self, node: Node) -> list[str]:
        return [n for n in node.inputs if n in self._in_memory and n in self.producer]

    def memory_outputs(self, node: Node) -> list[str]:
        return [name for name in node.outputs if name in self._in_memory]

    def memory_parents(self, node: Node) -> set[Node]:
        return {self.producer[name] for name in self.memory_inputs(node)}

    def keeps(self, node: Node) -> bool:
        """The node's in-memory outputs include an output of the whole pipeline."""
        return bool(set(self.memory_outputs(node)) & self.pipeline.outputs())

    def input_values(self) -> dict[str, Any]:
        """In-memory pipeline inputs (parameters, values fed to the catalog), loaded once.

        They travel inside each task rather than scattered to one worker, so a worker that dies
        takes no input with it and Dask can run the node again elsewhere.
        """
        return {name: self.catalog.load(name) for name in self._in_memory & self.pipeline.inputs()}

    def save_memory_outputs(self, results: dict[Node, Any]) -> None:
        """In-memory outputs of the pipeline go into the caller's catalog, as Kedro's runners do."""
        for future in results.values():
            outputs = future.result()["outputs"]
            for name in set(outputs) & self.pipeline.outputs():
                self.catalog.save(name, outputs[name])

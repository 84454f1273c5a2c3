"""Where DaskRunner's workers come from: a scheduler address, a cluster class, or a LocalCluster.

In order of precedence: ``--runner-params scheduler=tcp://...``, the environment variable
``DEGNEXT_DASK_SCHEDULER``, then ``conf/<env>/dask.yml`` (``scheduler:`` an address, or
``cluster:`` a cluster class such as dask_jobqueue.SLURMCluster with its arguments and
``scale:``), else a LocalCluster on this machine (``local:``). The runner closes what it
started: its client always, the cluster only when it created it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl
from kedro.utils import load_obj

from degnext.errors import DEGnextInputError

SCHEDULER_ENV = "DEGNEXT_DASK_SCHEDULER"
GPU_RESOURCE = "GPU"
LOCAL_DEFAULTS: dict[str, Any] = {
    "n_workers": None,  # one per CPU core this process may use
    "threads_per_worker": 1,  # one node at a time per worker process (see parallel_hooks)
    "memory_limit": "auto",  # the machine's memory shared evenly among the workers
    "gpus": "auto",  # that many of the workers get one GPU each (CUDA_VISIBLE_DEVICES)
    "dashboard_address": "127.0.0.1:8787",
}
_run_config: dict[str, Any] = {}

logger = logging.getLogger(__name__)


class DaskSettingsHooks:
    """Hand ``conf/<env>/dask.yml`` (the run's environment) to DaskRunner, which Kedro creates
    before the environment is known."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        global _run_config  # noqa: PLW0603
        try:
            _run_config = dict(context.config_loader["dask"])
        except (KeyError, MissingConfigException):  # no dask.yml, or "dask" not a pattern
            _run_config = {}


@dataclass
class DaskSettings:
    """What one run connects to, and how it submits GPU work."""

    scheduler: str | None = None
    cluster: dict[str, Any] | None = None
    local: dict[str, Any] = field(default_factory=lambda: dict(LOCAL_DEFAULTS))
    gpu_tag: str = "gpu"
    worker_timeout_s: float = 600.0

    @classmethod
    def resolve(cls, scheduler: str | None = None, config: dict | None = None) -> DaskSettings:
        """The run's settings: ``scheduler`` (runner parameter), else the environment variable,
        else ``config`` (dask.yml; the one the hook read when None)."""
        config = dict(_run_config if config is None else config)
        unknown = set(config) - {"scheduler", "cluster", "local", "gpu_tag", "worker_timeout_s"}
        if unknown:
            raise DEGnextInputError(f"dask.yml: unknown key(s) {sorted(unknown)}")
        local = {**LOCAL_DEFAULTS, **(config.get("local") or {})}
        cluster = config.get("cluster")
        if cluster is not None and "class" not in cluster:
            raise DEGnextInputError(
                "dask.yml: 'cluster' needs 'class' (e.g. dask_jobqueue.SLURMCluster)"
            )
        return cls(
            scheduler=scheduler or os.environ.get(SCHEDULER_ENV) or config.get("scheduler"),
            cluster=cluster,
            local=local,
            gpu_tag=config.get("gpu_tag", "gpu"),
            worker_timeout_s=float(config.get("worker_timeout_s", 600.0)),
        )


def require_dask() -> None:
    """Stop with the install command when the optional dask extra is missing."""
    if importlib.util.find_spec("distributed") is None:
        raise DEGnextInputError('DaskRunner needs dask and distributed: pip install -e ".[dask]"')


def machine_cores() -> int:
    """CPU cores this process may run on (the affinity mask, e.g. a SLURM or container limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def visible_gpus(requested: int | str) -> int:
    """``auto``: the CUDA devices torch sees (0 on a CPU-only build); else the number given."""
    if requested != "auto":
        return int(requested)
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def local_cluster(options: dict[str, Any]) -> Any:
    """A LocalCluster on loopback: one single-threaded worker process per core by default, of
    which the first ``gpus`` each see one device (``CUDA_VISIBLE_DEVICES``) and declare the
    resource ``GPU=1``."""
    from distributed import LocalCluster

    options = {**LOCAL_DEFAULTS, **options}
    if options["dashboard_address"] and importlib.util.find_spec("bokeh") is None:
        logger.info("No Dask dashboard: it needs bokeh (pip install 'bokeh>=3.1')")
        options["dashboard_address"] = None
    n_workers = options.pop("n_workers") or machine_cores()
    requested = options.pop("gpus")
    gpus = visible_gpus(requested)
    if requested == "auto":
        gpus = min(gpus, n_workers)
    if gpus > n_workers:
        raise DEGnextInputError(f"dask.yml: local.gpus={gpus} exceeds local.n_workers={n_workers}")
    cluster = LocalCluster(n_workers=0, processes=True, host="127.0.0.1", **options)
    template = cluster.new_spec
    for device in range(gpus):
        worker_options = {
            **template["options"],
            "resources": {GPU_RESOURCE: 1},
            "env": {"CUDA_VISIBLE_DEVICES": str(device)},
        }
        cluster.worker_spec[f"gpu-{device}"] = {"cls": template["cls"], "options": worker_options}
    cluster.scale(n_workers)
    return cluster


def _started_cluster(spec: dict[str, Any]) -> Any:
    """``cluster: {class: ..., kwargs: {...}, scale: {jobs: 4}}`` from dask.yml, scaled."""
    cluster = load_obj(spec["class"])(**(spec.get("kwargs") or {}))
    cluster.scale(**(spec.get("scale") or {}))
    return cluster


@contextmanager
def dask_client(settings: DaskSettings) -> Iterator[Any]:
    """A connected Client; on exit it is closed, then the cluster if this run started it."""
    require_dask()
    from distributed import Client

    if settings.scheduler:
        cluster, client = None, Client(settings.scheduler, timeout=settings.worker_timeout_s)
    else:
        cluster = (
            _started_cluster(settings.cluster)
            if settings.cluster
            else local_cluster(settings.local)
        )
        client = Client(cluster)
    try:
        services = client.scheduler_info().get("services", {})
        dashboard = client.dashboard_link if "dashboard" in services else "off"
        logger.info("Dask scheduler %s, dashboard %s", client.scheduler.address, dashboard)
        client.wait_for_workers(1, timeout=settings.worker_timeout_s)
        yield client
    finally:
        # While a cluster this run started shuts down, a worker that leaves mid-send makes the
        # scheduler log "Batched Comm Closed" (INFO, with a CommClosedError traceback): expected
        # at teardown, so that one logger is quiet until the cluster is closed.
        batched = logging.getLogger("distributed.batched")
        level = batched.level
        if cluster is not None:
            batched.setLevel(logging.WARNING)
        try:
            if cluster is not None:
                _retire_workers(client, cluster)
            client.close()
            if cluster is not None:
                cluster.close()
        finally:
            batched.setLevel(level)


def _retire_workers(client: Any, cluster: Any, timeout_s: float = 30.0) -> None:
    """Stop the workers of a cluster this run started before its scheduler closes, so that no
    worker logs a heartbeat to a closed scheduler (CommClosedError) on the way out."""
    cluster.scale(0)
    deadline = time.monotonic() + timeout_s
    while client.scheduler_info()["workers"] and time.monotonic() < deadline:
        time.sleep(0.1)


def workers_have_gpus(client: Any) -> bool:
    """True when a worker of the cluster declares the ``GPU`` resource."""
    workers = client.scheduler_info()["workers"].values()
    return any(GPU_RESOURCE in (worker.get("resources") or {}) for worker in workers)

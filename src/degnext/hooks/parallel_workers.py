"""Hooks that let ``kedro run --runner ParallelRunner`` run cohorts side by side at full speed.

ParallelRunner runs each node in a pool of worker processes, one per CPU by default. Two defaults
made it slower than the sequential runner (5 min 39 s vs 22 s on the test configuration):

- A worker that had used joblib's process pool (scikit-learn's ``n_jobs``, in the baselines)
  could not exit until that pool's idle timeout of 300 s: multiprocessing joins a process's
  children when the process ends, and loky shuts its pool down only from an interpreter-exit
  hook that pool workers never run. The runner waits for its workers, so every run lost ~5 min.
- Every worker ran torch with one OpenMP thread per CPU, so N workers put N x N threads on N
  cores, and OpenMP threads spin at every barrier waiting for a thread that is not scheduled.

So in a worker process, each node runs joblib on threads (no nested process pool, nothing to
wait for at exit) and torch on one thread. Nodes in the ``kedro run`` process itself (sequential
and thread runners) are left alone. The thread count decides the order of float sums, so a
training run under ParallelRunner equals a sequential run with one torch thread
(``OMP_NUM_THREADS=1 kedro run``), not bit for bit the default multi-threaded one.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from kedro.framework.hooks import hook_impl

WORKER_TORCH_THREADS = 1


def in_worker_process() -> bool:
    """True in a child process: where ParallelRunner, and a Dask nanny (DaskRunner), run nodes."""
    return multiprocessing.parent_process() is not None


class ParallelWorkerHooks:
    """Per node in a worker process: torch on one thread, joblib on threads (scoped to the node)."""

    def __init__(self) -> None:
        self._joblib_config: Any = None

    @hook_impl
    def before_node_run(self) -> None:
        if not in_worker_process():
            return
        import joblib
        import torch

        torch.set_num_threads(WORKER_TORCH_THREADS)
        self._joblib_config = joblib.parallel_config(backend="threading")
        self._joblib_config.__enter__()

    @hook_impl
    def after_node_run(self) -> None:
        self._restore()

    @hook_impl
    def on_node_error(self) -> None:
        self._restore()

    def _restore(self) -> None:
        if self._joblib_config is not None:
            self._joblib_config.__exit__(None, None, None)
            self._joblib_config = None

"""degnext.hooks.parallel_workers: what a ParallelRunner worker process does around each node."""

from __future__ import annotations

import multiprocessing

import joblib
import torch

from degnext.hooks.parallel_workers import (
    WORKER_TORCH_THREADS,
    ParallelWorkerHooks,
    in_worker_process,
)


def _square(x: int) -> int:
    return x * x


def _node_in_a_worker(report: multiprocessing.Queue) -> None:
    """A node's life in a pool worker: the hooks around a joblib call with n_jobs=2 (what
    scikit-learn does with the baselines' n_jobs), then what the process still holds."""
    hooks = ParallelWorkerHooks()
    hooks.before_node_run()
    backend, _ = joblib.parallel.get_active_backend()
    during = {"threads": torch.get_num_threads(), "backend": type(backend).__name__}
    squares = joblib.Parallel(n_jobs=2)(joblib.delayed(_square)(i) for i in range(4))
    hooks.after_node_run()
    backend, _ = joblib.parallel.get_active_backend()
    report.put(
        {
            "in_worker": in_worker_process(),
            **during,
            "squares": squares,
            "backend_after": type(backend).__name__,
            "children": [p.name for p in multiprocessing.active_children()],
        }
    )


def test_a_worker_node_runs_torch_on_one_thread_and_leaves_no_process_pool():
    """Regression: a joblib process pool started by a node kept its worker from exiting for
    loky's 300 s idle timeout, and ParallelRunner waited for it (5 min 39 s vs 22 s)."""
    report = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_node_in_a_worker, args=(report,))
    worker.start()
    try:
        seen = report.get(timeout=120)
        assert seen["in_worker"] and seen["squares"] == [0, 1, 4, 9]
        assert seen["threads"] == WORKER_TORCH_THREADS
        assert seen["backend"] == "ThreadingBackend"
        assert seen["backend_after"] != "ThreadingBackend"
        assert seen["children"] == []
        worker.join(timeout=60)
        assert worker.exitcode == 0
    finally:
        if worker.is_alive():
            worker.kill()

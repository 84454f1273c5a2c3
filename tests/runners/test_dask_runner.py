"""DaskRunner (issue 14) on a loopback LocalCluster of 2 single-threaded worker processes.

End to end through ``kedro run`` on the tiny configuration of test_run.py, and in process on
small pipelines for what a project pipeline cannot do on purpose: raise, kill its worker, pass
an in-memory dataset between workers, ask for a GPU.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline, node
from kedro_datasets.json import JSONDataset

from tests.tiny_project import PROJECT, kedro, make_project

try:
    import cloudpickle
    import dask
    from distributed import Client, LocalCluster
except ImportError:  # pragma: no cover - the test extra installs them
    if os.environ.get("CI"):
        raise
    pytest.skip('dask is not installed (pip install -e ".[test]")', allow_module_level=True)

from degnext.datasets import CheckpointDataset
from degnext.errors import DEGnextInputError
from degnext.runners import DaskRunner
from degnext.runners.dask_cluster import SCHEDULER_ENV, DaskSettings, DaskSettingsHooks, dask_client
from degnext.runners.dask_runner import DaskNodeError

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # test nodes travel by value
UPSTREAM = "ingestion,labeling,splitting"
DOWNSTREAM = "cnn_general,cnn_transfer"
WAIT_S = 240  # no in-process run may take longer: a hang fails the test


@pytest.fixture(scope="module")
def cluster():
    """The acceptance cluster; a worker that dies twice under one task fails that task."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        local = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    yield local
    local.close()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """The tiny project after ingestion, labeling and splitting (sequential)."""
    root = make_project(tmp_path_factory.mktemp("dask_project"))
    kedro(root, "run", "--pipelines", UPSTREAM)
    return root


def run_in_time(runner: DaskRunner, pipeline: Pipeline, catalog: DataCatalog) -> dict:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(runner.run, pipeline, catalog).result(timeout=WAIT_S)


def same_outputs(left: Path, right: Path) -> list[str]:
    """Compare every file under two data folders; return the relative paths compared."""
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    for path in files:
        a, b = left / path, right / path
        if path.suffix == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
        elif path.suffix == ".json":
            assert json.loads(a.read_text()) == json.loads(b.read_text()), path
        elif path.suffix == ".pt":
            ours, theirs = (torch.load(p, weights_only=True) for p in (a, b))
            assert ours["config"] == theirs["config"], path
            assert ours["state_dict"].keys() == theirs["state_dict"].keys(), path
            for name, tensor in ours["state_dict"].items():
                assert torch.equal(tensor, theirs["state_dict"][name]), (path, name)
        else:
            assert a.read_bytes() == b.read_bytes(), path
    return [str(p) for p in files]


def without_versions(data: Path, out: Path) -> Path:
    """A copy of ``data`` where each versioned file's single version folder is dropped.

    Lineage records (``.<file>.lineage.json``, degnext.hooks.lineage) are left out: they describe the
    files compared here.
    """
    for path in data.rglob("*"):
        if path.is_file() and not path.name.endswith(".lineage.json"):
            parts = path.relative_to(data).parts
            if len(parts) >= 3 and parts[-3] == parts[-1]:  # name.pt/<version>/name.pt
                parts = (*parts[:-3], parts[-1])
            target = out.joinpath(*parts)
            assert not target.exists(), f"more than one version of {target}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    return out


def test_kedro_run_on_dask_equals_a_one_thread_sequential_run(
    prepared, cluster, tmp_path, monkeypatch
):
    """Every output of general and transfer learning: models, metrics, histories, predictions."""
    sequential, distributed = tmp_path / "sequential", tmp_path / "dask"
    for root in (sequential, distributed):
        shutil.copytree(prepared, root)
    with monkeypatch.context() as env:
        env.setenv("OMP_NUM_THREADS", "1")
        kedro(sequential, "run", "--pipelines", DOWNSTREAM)
    with monkeypatch.context() as env:
        env.setenv(SCHEDULER_ENV, cluster.scheduler_address)
        result = kedro(distributed, "run", "--runner", "degnext.runners.DaskRunner", "--pipelines", DOWNSTREAM)  # fmt: skip
    log = result.stdout + result.stderr
    assert "Completed node: A.fine_tune" in log and "Pipeline execution completed" in log
    assert "CommClosedError" not in log and "Traceback" not in log
    compared = same_outputs(
        without_versions(sequential / "data", tmp_path / "s"),
        without_versions(distributed / "data", tmp_path / "d"),
    )
    assert "07_model_output/C/transfer_predictions.parquet" in compared
    assert "07_model_output/B/fine_tune_history.parquet" in compared
    assert "06_models/transfer/model.pt" in compared
    model = CheckpointDataset(filepath=str(tmp_path / "d/06_models/A/general_model.pt")).load()
    assert {stage["torch_threads"] for stage in model.provenance["stages"]} == {1}


def test_namespaces_from_nodes_params_and_a_local_cluster_of_its_own(prepared, tmp_path):
    """dask.yml starts a LocalCluster; a failing node is named; --namespaces, --from-nodes and
    --params reach the workers."""
    root = tmp_path / "project"
    shutil.copytree(prepared, root)
    (root / "conf/local/dask.yml").write_text(
        yaml.safe_dump({"local": {"n_workers": 2, "dashboard_address": None}})
    )
    dask_run = ("run", "--runner", "degnext.runners.DaskRunner", "--pipelines", "cnn_general")
    failed = kedro(root, *dask_run, "--namespaces", "A", "--params", "cohorts.A.cnn_general.device=nope", check=False)  # fmt: skip
    log = failed.stdout + failed.stderr
    assert failed.returncode != 0 and "Node A.train_first_level failed on a Dask worker" in log
    assert "unknown device 'nope'" in log and "Worker traceback:" in log
    assert "in resolve_device" in log.split("Worker traceback:", 1)[1]
    assert "CommClosedError" not in log
    result = kedro(root, *dask_run, "--namespaces", "A", "--params", "cohorts.A.cnn_general.fine_tune.epochs=2")  # fmt: skip
    out = root / "data/07_model_output"
    assert (out / "A/general_metrics.json").is_file()
    assert not (out / "B").exists() and not (out / "C").exists()
    assert len(pd.read_parquet(out / "A/fine_tune_history.parquet")) == 2
    assert "CommClosedError" not in result.stdout + result.stderr

    metrics, predictions = out / "A/general_metrics.json", out / "A/general_predictions.parquet"
    remade = {metrics, predictions}  # evaluate_on_t3's outputs, and their lineage records
    remade |= {path.parent / f".{path.name}.lineage.json" for path in set(remade)}
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p not in remade}
    expected, expected_predictions = json.loads(metrics.read_text()), pd.read_parquet(predictions)
    metrics.unlink()
    kedro(root, *dask_run, "--from-nodes", "A.evaluate_on_t3")
    assert json.loads(metrics.read_text()) == expected
    pd.testing.assert_frame_equal(pd.read_parquet(predictions), expected_predictions)
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing upstream ran again


def test_a_cluster_environment_writes_under_its_shared_data_root(
    prepared, cluster, tmp_path, monkeypatch
):
    """--env cluster (its dask.yml overridden by the variable) with --params data_root=..."""
    root = tmp_path / "project"
    shutil.copytree(prepared, root)
    shutil.copy(root / "conf/local/parameters.yml", root / "conf/cluster/parameters.yml")
    shared = tmp_path / "shared"
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    kedro(root, "run", "--env", "cluster", "--runner", "degnext.runners.DaskRunner", "--pipelines", UPSTREAM, "--namespaces", "B", "--params", f"data_root={shared}")  # fmt: skip
    for table in ("01_raw/B/raw_counts", "03_primary/B/dea_results", "05_model_input/B/splits"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(shared / f"{table}.parquet"),
            pd.read_parquet(prepared / f"data/{table}.parquet"),
        )
    assert not (shared / "01_raw/A").exists()


# In process: small pipelines whose nodes do what project nodes must not.


def double(value: dict, offset: int) -> dict:
    return {"v": value["v"] * 2 + offset}


def add(left: dict, right: dict) -> dict:
    return {"v": left["v"] + right["v"]}


def broken(value: dict) -> dict:
    raise ValueError(f"cannot use {value['v']}")


def dies_once(value: dict, marker: str) -> dict:
    """The first attempt kills its worker process in the middle of the node."""
    if not Path(marker).exists():
        Path(marker).write_text("died once")
        os._exit(1)
    return {"v": value["v"] + 1}


def always_dies(value: dict) -> dict:
    os._exit(1)


def naps(value: dict, seconds: float) -> dict:
    time.sleep(seconds)
    return value


def executed_tasks(client: Client) -> int:
    return sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())


def visible_devices(value: dict) -> str:
    return os.environ.get("CUDA_VISIBLE_DEVICES", "")


def json_catalog(folder: Path, *names: str, **memory) -> DataCatalog:
    catalog = DataCatalog(
        {name: JSONDataset(filepath=str(folder / f"{name}.json")) for name in names}
    )
    catalog.save("x", {"v": 1})
    for name, value in memory.items():
        catalog[name] = value
    return catalog


def test_in_memory_datasets_travel_between_workers(cluster, tmp_path):
    catalog = json_catalog(tmp_path, "x", "out", **{"params:offset": 10})
    pipeline = Pipeline(
        [
            node(double, ["x", "params:offset"], "mid", name="double"),
            node(add, ["mid", "mid"], "out", name="add"),
            node(double, ["mid", "params:offset"], "free", name="again"),
        ]
    )
    result = run_in_time(DaskRunner(scheduler=cluster.scheduler_address), pipeline, catalog)
    assert catalog.load("out") == {"v": 24}
    assert isinstance(result["free"], MemoryDataset) and result["free"].load() == {"v": 34}


def test_node_durations_reach_the_client_without_a_task_of_their_own(cluster, tmp_path, caplog):
    """Reading a duration through a task needed a free worker and held back the next nodes."""
    catalog = json_catalog(tmp_path, "x", "y", "z", **{"params:nap": 0.5})
    pipeline = Pipeline(
        [
            node(naps, ["x", "params:nap"], "y", name="naps"),
            node(add, ["y", "y"], "z", name="adds"),
        ]
    )
    caplog.set_level(logging.INFO, logger="degnext.runners.dask_runner")
    with Client(cluster.scheduler_address) as client:
        before = executed_tasks(client)
        run_in_time(DaskRunner(scheduler=cluster.scheduler_address), pipeline, catalog)
        assert executed_tasks(client) - before == len(pipeline.nodes)
    seconds = dict(re.findall(r"Completed node: (\w+) \(([\d.]+) s on its worker\)", caplog.text))
    assert set(seconds) == {"naps", "adds"}
    assert float(seconds["naps"]) >= 0.5 > float(seconds["adds"])


def test_a_failing_node_is_named_with_the_workers_traceback(cluster, tmp_path):
    catalog = json_catalog(tmp_path, "x", "y", "z", "w")
    pipeline = Pipeline(
        [
            node(broken, "x", "y", name="breaks"),
            node(add, ["y", "x"], "z", name="after_the_break"),
            node(add, ["x", "x"], "w", name="independent"),
        ]
    )
    with pytest.raises(DaskNodeError) as caught:
        run_in_time(DaskRunner(scheduler=cluster.scheduler_address), pipeline, catalog)
    message = str(caught.value)
    assert "Node breaks failed" in message and "ValueError: cannot use 1" in message
    assert "in broken" in message  # the frame of the node's function, from the worker
    assert isinstance(caught.value.__cause__, ValueError)
    assert not (tmp_path / "y.json").exists() and not (tmp_path / "z.json").exists()


def test_a_worker_killed_in_a_node_retries_it_or_fails_naming_it(cluster, tmp_path):
    marker = tmp_path / "marker"
    catalog = json_catalog(tmp_path, "x", "y", **{"params:marker": str(marker)})
    retried = Pipeline([node(dies_once, ["x", "params:marker"], "y", name="dies_once")])
    run_in_time(DaskRunner(scheduler=cluster.scheduler_address), retried, catalog)
    assert marker.read_text() == "died once" and catalog.load("y") == {"v": 2}

    catalog = json_catalog(tmp_path, "x", "z")
    doomed = Pipeline([node(always_dies, "x", "z", name="always_dies")])
    with pytest.raises(DaskNodeError, match="Node always_dies failed: the Dask workers"):
        run_in_time(DaskRunner(scheduler=cluster.scheduler_address), doomed, catalog)
    assert not (tmp_path / "z.json").exists()


def test_gpu_tagged_nodes_get_a_gpu_worker_and_cpu_clusters_ignore_the_tag(cluster, tmp_path):
    class Loader:  # what DaskSettingsHooks reads: the run's conf/<env>/dask.yml
        config_loader = {"dask": {"local": {"n_workers": 2, "gpus": 1, "dashboard_address": None}}}

    tagged = Pipeline(
        [
            node(visible_devices, "x", f"device_{i}", name=f"train_{i}", tags=["gpu"])
            for i in range(3)
        ]
    )
    on_cpu = run_in_time(
        DaskRunner(scheduler=cluster.scheduler_address), tagged, json_catalog(tmp_path, "x")
    )
    assert {on_cpu[f"device_{i}"].load() for i in range(3)} == {""}  # no GPU resource, no hang
    DaskSettingsHooks().after_context_created(Loader())
    try:
        on_gpu = run_in_time(DaskRunner(), tagged, json_catalog(tmp_path, "x"))
    finally:
        DaskSettingsHooks().after_context_created(type("Empty", (), {"config_loader": {}})())
    assert {on_gpu[f"device_{i}"].load() for i in range(3)} == {"0"}


def test_nodes_that_cannot_travel_are_named_before_anything_runs(tmp_path):
    lock = threading.Lock()
    catalog = json_catalog(tmp_path, "x", "y")
    pipeline = Pipeline([node(lambda value: lock and value, "x", "y", name="holds_a_lock")])
    with pytest.raises(DaskNodeError, match=r"nodes \['holds_a_lock'\]"):
        DaskRunner(scheduler="tcp://127.0.0.1:1").run(pipeline, catalog)


def test_where_to_connect_follows_the_documented_precedence(monkeypatch):
    config = {"scheduler": "tcp://127.0.0.1:8788", "local": {"n_workers": 3}}
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert DaskSettings.resolve(config=config).scheduler == "tcp://127.0.0.1:8788"
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:8787")
    assert DaskSettings.resolve(config=config).scheduler == "tcp://127.0.0.1:8787"
    assert DaskSettings.resolve("tcp://127.0.0.1:9", config).scheduler == "tcp://127.0.0.1:9"
    assert DaskSettings.resolve(config=config).local["threads_per_worker"] == 1
    with pytest.raises(DEGnextInputError, match="unknown key"):
        DaskSettings.resolve(config={"schedular": "tcp://127.0.0.1:8786"})
    for env in ("base", "cluster"):
        shipped = yaml.safe_load((PROJECT / f"conf/{env}/dask.yml").read_text())
        DaskSettings.resolve(config=shipped)  # every key of the shipped files is known
    slurm = yaml.safe_load((PROJECT / "conf/cluster/dask.yml").read_text())["cluster"]
    assert slurm["class"] == "dask_jobqueue.SLURMCluster" and slurm["scale"] == {"jobs": 8}
    assert slurm["kwargs"]["worker_extra_args"] == ["--resources", "GPU=1"]


def test_a_cluster_class_from_dask_yml_is_started_scaled_and_closed():
    spec = {
        "class": "distributed.LocalCluster",
        "kwargs": {
            "n_workers": 0,
            "host": "127.0.0.1",
            "dashboard_address": None,
        },
        "scale": {"n": 1},
    }
    with dask_client(DaskSettings(cluster=spec, worker_timeout_s=60)) as client:
        assert len(client.scheduler_info()["workers"]) == 1
        assert client.submit(sum, [1, 2]).result(timeout=60) == 3
    assert client.status == "closed"

"""`kedro run` under SequentialRunner, ParallelRunner and DaskRunner; the paper run's critical path.

    python benchmarks/bench_runners.py [--config default|tiny] [--cohorts N] [--repeats 1]
                                       [--runners R ...] [--output FILE]

Part 1, wall time: each timed run starts from a fresh copy of the configuration with empty data
layers and runs every pipeline with one runner; runners alternate (S, P, D, S, P, D, ...) and the
machine's load is recorded before each run. `--config default` is the embedded run (6 synthetic
cohorts); `--config tiny` the tests' tiny configuration (tests/tiny_project.py: 3 cohorts, 2,500
genes, 2 folds, 2 + 3 epochs); `--cohorts N` widens either to N synthetic cohorts (copies of the
configured ones with new seeds, roles alternating train / untrained). DaskRunner starts its own
LocalCluster: one single-threaded worker per core.

Part 2, what N workers could give the paper run (conf/paper: 17 cohorts, 5 folds, 50 + 31
epochs). Training nodes (first level, fine-tune, every fold's fine-tune) take their work,
genes x samples x epochs (x folds; the transfer model summed over the train cohorts), at the
throughput measured in RESULTS_training.md (TRAINING_RATE, a 2-thread CPU worker). Every other
node takes its duration in the last Dask run of part 1, scaled from that run's cohorts to the
paper's: ingestion and labeling by raw genes x samples, other per-cohort nodes by filtered genes
x samples; nodes over all cohorts (tables, report, transfer baselines) keep their measured time. Sizes come from Table 6 (../shared/data/paper_tables/table6_dataset_sizes.csv) and
the measured run's own outputs. A greedy list scheduler (longest remaining path first) then runs
that graph on N workers.
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import re
import shlex
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import torch
import yaml
from bench_common import cpu_model, make_project
from bench_parallel import kedro_run, memory_gib, minutes

from degnext import settings

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
from tests.tiny_project import make_project as make_tiny_project  # noqa: E402

RUNNERS = {
    "SequentialRunner": "SequentialRunner",
    "ParallelRunner": "ParallelRunner",
    "DaskRunner": "degnext.runners.DaskRunner",
}
TABLE6 = PROJECT.parent / "shared/data/paper_tables/table6_dataset_sizes.csv"
RAW_GENES_PAPER = 60_483  # GENCODE v36 genes of a STAR - Counts file
WORKERS = (2, 8, 17, 64)
# Training throughput, gene x sample x epoch per second, fp32 on a 2-thread CPU worker: first
# level 1,172 genes/s at 45 samples and 113 at 433 (52.7k, 48.9k), fine-tune 1,040-1,130 genes/s
# at 45 samples (RESULTS_training.md, measured at low load).
TRAINING_RATE = 50_000
TRAINING = {"train_first_level", "fine_tune", "fine_tune_folds"}
COMPLETED = re.compile(r"Completed node: (\S+) \(([\d.]+) s on its worker\)")
RAW_SIDE = {
    "ingest_cohort",
    "drop_outlier_samples",
    "map_gene_symbols",
    "normalize_counts",
    "filter_genes",
}


def widen(root: Path, n_cohorts: int) -> None:
    """Replace the configured cohorts by ``n_cohorts`` synthetic ones cycled from them."""
    local = root / "conf/local/parameters.yml"
    params = yaml.safe_load(local.read_text()) if local.exists() else {}
    base = (
        params.get("cohorts")
        or yaml.safe_load((root / "conf/base/parameters.yml").read_text())["cohorts"]
    )
    names = list(base)
    cohorts = {}
    for i in range(n_cohorts):
        template = base[names[i % len(names)]]
        synthetic = {**template["synthetic"], "seed": 1000 + i}
        role = "train" if i % 2 == 0 else "untrained"
        cohorts[f"W{i + 1:02d}"] = {**template, "role": role, "synthetic": synthetic}
    params["cohorts"] = cohorts
    local.write_text(yaml.safe_dump(params))


def node_seconds(log: str) -> dict[str, float]:
    return {name: float(s) for name, s in COMPLETED.findall(" ".join(log.split()))}


def cohort_sizes(data: Path, cohorts: dict, folds: int) -> pd.DataFrame:
    """Per cohort of the measured run: samples, raw and filtered genes, T1, F1 (its outputs)."""
    rows = {}
    for name in cohorts:
        splits = pd.read_parquet(data / f"05_model_input/{name}/splits.parquet")["set"]
        rows[name] = {
            "samples": len(pd.read_parquet(data / f"01_raw/{name}/samples.parquet")),
            "raw_genes": len(pd.read_parquet(data / f"01_raw/{name}/raw_counts.parquet")),
            "genes": len(pd.read_parquet(data / f"04_feature/{name}/expression.parquet")),
            "T1": int((splits == "T1").sum()),
            "F1": int((splits == "F1").sum()),
            "folds": folds,
        }
    return pd.DataFrame(rows).T


def paper_sizes() -> pd.DataFrame:
    table = pd.read_csv(TABLE6).set_index("dataset")
    return pd.DataFrame(
        {
            "samples": table["normal_samples"] + table["tumor_samples"],
            "raw_genes": RAW_GENES_PAPER,
            "genes": table["filtered_genes"],
            "T1": table["T1"],
            "F1": table["F1"],
            "folds": 5,
        }
    )


def work(short: str, cohort: str, sizes: pd.DataFrame, params: dict) -> float | None:
    """Work units of one node (None: a node over all cohorts, kept at its measured time)."""
    first = params["cnn_general"]["first_level"]["epochs"]
    tune = params["cnn_general"]["fine_tune"]["epochs"]
    if cohort == "transfer":
        train = [c for c, spec in params["cohorts"].items() if spec["role"] == "train"]
        rows = sizes.loc[train]
        per_set = {"train_first_level": ("T1", first), "fine_tune": ("F1", tune)}
        if short not in per_set:
            return None
        column, epochs = per_set[short]
        return float((rows[column] * rows["samples"]).sum() * epochs)
    if cohort not in sizes.index:
        return None
    size = sizes.loc[cohort]
    units = {
        "train_first_level": (size["folds"] - 1) * size["T1"] * first,
        "fine_tune": size["F1"] * tune,
        "fine_tune_folds": size["folds"] * size["F1"] * tune,
    }
    genes = size["raw_genes"] if short in RAW_SIDE else size["genes"]
    return float(units.get(short, genes) * size["samples"])


def paper_graph(measured: dict[str, float], run_sizes: pd.DataFrame, run_params: dict):
    """The paper's __default__ pipeline with estimated node durations."""
    from degnext import cohorts as registry_params
    from degnext.pipeline_registry import register_pipelines

    paper = parameters(PROJECT / "conf", "paper")
    registry_params.set_run_parameters(paper)
    pipeline = register_pipelines()["__default__"]
    unit_cost: dict[str, list[float]] = defaultdict(list)
    constant: dict[str, list[float]] = defaultdict(list)
    for name, seconds in measured.items():
        cohort, _, short = name.rpartition(".")
        units = work(short, cohort, run_sizes, run_params)
        if units:
            unit_cost[short].append(seconds / units)
        else:
            constant[short].append(seconds)
    sizes = paper_sizes()
    durations, unmeasured = {}, set()
    for node in pipeline.nodes:
        cohort, _, short = node.name.rpartition(".")
        units = work(short, cohort, sizes, paper)
        if units and short in TRAINING:
            durations[node] = units / TRAINING_RATE
        elif units and unit_cost[short]:
            durations[node] = units * statistics.mean(unit_cost[short])
        elif constant[short]:
            durations[node] = statistics.mean(constant[short])
        else:
            durations[node] = 0.0
            unmeasured.add(short)
    return pipeline, durations, sorted(unmeasured)


def schedule(pipeline, durations: dict, n_workers: int) -> float:
    """Makespan of a greedy list schedule on n workers, longest remaining path first."""
    dependencies = pipeline.node_dependencies
    children = defaultdict(set)
    for node, parents in dependencies.items():
        for parent in parents:
            children[parent].add(node)
    rank: dict = {}
    for node in reversed(pipeline.nodes):  # pipeline.nodes is in topological order
        rank[node] = durations[node] + max((rank[c] for c in children[node]), default=0.0)
    pending, finished, running = set(pipeline.nodes), set(), []
    clock, idle = 0.0, n_workers
    while pending or running:
        ready = sorted((n for n in pending if dependencies[n] <= finished), key=lambda n: -rank[n])
        for node in ready[:idle]:
            pending.discard(node)
            heapq.heappush(running, (clock + durations[node], node.name, node))
            idle -= 1
        clock, _, node = heapq.heappop(running)
        finished.add(node)
        idle += 1
    return clock


def critical_path(pipeline, durations: dict) -> float:
    longest: dict = {}
    for node in pipeline.nodes:
        parents = pipeline.node_dependencies[node]
        longest[node] = durations[node] + max((longest[p] for p in parents), default=0.0)
    return max(longest.values())


def parameters(conf: Path, env: str) -> dict:
    """A run's parameters as `kedro run --env ENV` merges them (the project's config loader)."""
    loader = settings.CONFIG_LOADER_CLASS(str(conf), env=env, **settings.CONFIG_LOADER_ARGS)
    return dict(loader["parameters"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["default", "tiny"], default="default")
    parser.add_argument("--cohorts", type=int, help="widen to this many synthetic cohorts")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per runner")
    parser.add_argument("--runners", nargs="+", default=list(RUNNERS), choices=RUNNERS)
    parser.add_argument("--output", type=Path, default=PROJECT / "benchmarks/RESULTS_runners.md")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="bench_runners_"))
    template = work_dir / "template"
    (make_tiny_project if args.config == "tiny" else make_project)(template)
    if args.cohorts:
        widen(template, args.cohorts)
    (template / "conf/local/dask.yml").write_text("local: {dashboard_address: null}\n")
    header = (
        f"{platform.node()}: {os.cpu_count()} CPUs ({cpu_model()}), {memory_gib():.0f} GiB, "
        f"Python {platform.python_version()}, torch {torch.__version__}, kedro "
        f"{version('kedro')}, dask {version('dask')}, distributed {version('distributed')}"
    )
    print(header, flush=True)
    rows, dask_root = [], None
    for repeat in range(1, args.repeats + 1):
        for runner in args.runners:
            root = work_dir / f"{runner}_{repeat}"
            shutil.copytree(template, root)
            result = kedro_run(root, ["--runner", RUNNERS[runner]])
            rows.append({"runner": runner, "repeat": repeat, **result})
            print(
                f"{runner:<17} run {repeat}: {minutes(result['wall'])} wall, "
                f"{result['cpu']:.0f} s CPU, load before {result['load']:.1f}",
                flush=True,
            )
            if runner == "DaskRunner":
                dask_root = root
    analysis = None
    if dask_root is not None:
        params = parameters(dask_root / "conf", "local")
        measured = node_seconds((dask_root / "kedro_run.log").read_text())
        sizes = cohort_sizes(dask_root / "data", params["cohorts"], params["splitting"]["n_folds"])
        analysis = paper_graph(measured, sizes, params), measured
    write_results(args, header, rows, analysis)
    shutil.rmtree(work_dir)


def write_results(args, header: str, rows: list[dict], analysis) -> None:
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    what = "the tests' tiny configuration" if args.config == "tiny" else "the embedded default"
    if args.cohorts:
        what += f", widened to {args.cohorts} synthetic cohorts"
    lines = [
        "## Runners: " + what,
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC).",
        f"Machine: {header}.",
        "",
        "| runner | run | wall | CPU (all processes) | load avg before |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['runner']} | {r['repeat']} | {minutes(r['wall'])} | {r['cpu']:.0f} s | {r['load']:.1f} |"
        for r in rows
    ]
    medians = pd.DataFrame(rows).groupby("runner", sort=False)["wall"].median()
    first = medians.index[0]
    lines += ["", f"| runner | median wall | vs {first} |", "|---|---:|---:|"]
    lines += [f"| {r} | {minutes(w)} | {medians[first] / w:.2f}x |" for r, w in medians.items()]
    if analysis is not None:
        (pipeline, durations, unmeasured), measured = analysis
        total, path = sum(durations.values()), critical_path(pipeline, durations)
        train = sum(d for n, d in durations.items() if n.name.rpartition(".")[2] in TRAINING)
        lines += [
            "",
            f"Paper run (conf/paper, {len(pipeline.nodes)} nodes): training nodes at "
            f"{TRAINING_RATE:,} gene-samples/s, the others scaled from the {len(measured)} node "
            f"durations of the Dask run above; training {train / 3600:.1f} h, other nodes "
            f"{(total - train) / 3600:.1f} h. Total node time "
            f"{total / 3600:.1f} h on one worker, critical path {path / 3600:.1f} h, so "
            f"no number of workers can speed it up more than {total / path:.1f}x.",
            "",
            "| workers | makespan (greedy, longest path first) | speed-up | bound min(N, total / path) |",
            "|---:|---:|---:|---:|",
        ]
        for n in WORKERS:
            makespan = schedule(pipeline, durations, n)
            lines.append(
                f"| {n} | {makespan / 3600:.1f} h | {total / makespan:.1f}x "
                f"| {min(n, total / path):.1f}x |"
            )
        if unmeasured:
            lines += [
                "",
                f"Nodes of the paper run not in the measured run (counted as 0 s): {unmeasured}.",
            ]
        longest = sorted(durations.items(), key=lambda item: -item[1])[:5]
        lines += [
            "",
            "Longest nodes (estimated): "
            + ", ".join(f"{node.name} {seconds / 3600:.1f} h" for node, seconds in longest)
            + ".",
        ]
    with args.output.open("a") as out:
        out.write("\n".join(lines) + "\n\n")
    print("\n".join(lines))
    print(f"appended to {args.output}")


if __name__ == "__main__":
    main()

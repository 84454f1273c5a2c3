"""Wall time of `kedro run` with the sequential runner vs ParallelRunner (cohorts side by side).

    python benchmarks/bench_parallel.py [--repeats 1] [--pipelines NAMES] [--prepare NAMES]
                                        [--params K=V,...] [--runners R ...] [--output FILE]

Each timed run starts from a fresh copy of the project's configuration (conf/base, no conf/local)
with empty data layers in a temporary folder, and runs `python -m kedro run --runner <R>` there,
so the default is the embedded run: 6 synthetic cohorts, every pipeline. `--prepare` runs some
pipelines once beforehand (sequentially, not timed) and every timed run starts from their outputs,
e.g. `--prepare ingestion,labeling,splitting --pipelines cnn_general` times training alone.
Runners alternate (S, P, S, P, ...) so that a change of machine load hits both. The machine's
load average is recorded before each run, since other work on a shared machine skews the times.
Outputs are not compared here (tests/e2e/test_run.py does): ParallelRunner's workers run torch on
one thread, so their numbers equal a sequential run with OMP_NUM_THREADS=1.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import torch
from bench_common import cpu_model, make_project

PROJECT = Path(__file__).resolve().parents[1]
RUNNER_SHORT = {
    "SequentialRunner": "sequential",
    "ParallelRunner": "parallel",
    "ThreadRunner": "thread",
}


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def kedro_run(root: Path, args: list[str]) -> dict:
    """Run `kedro run ARGS` in ROOT: wall time, CPU time of all its processes, largest peak RSS.

    os.wait4 gives the resource usage of this one run (its worker processes included).
    """
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", "COLUMNS": "200"}
    load = os.getloadavg()[0]
    log = root / "kedro_run.log"
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kedro", "run", *args],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"kedro run {' '.join(args)} failed in {root}:\n{log.read_text()[-4000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "max_rss_gib": usage.ru_maxrss / 2**20,  # KiB on Linux
        "load": load,
    }


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:.1f} s" if seconds >= 60 else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per runner")
    parser.add_argument("--pipelines", help="comma-separated pipelines to time (default: all)")
    parser.add_argument("--prepare", help="comma-separated pipelines run once before, not timed")
    parser.add_argument("--params", help="passed to `kedro run --params` (every run)")
    parser.add_argument(
        "--runners", nargs="+", default=["SequentialRunner", "ParallelRunner"], choices=RUNNER_SHORT
    )
    parser.add_argument("--output", type=Path, default=PROJECT / "benchmarks/RESULTS_parallel.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args()

    common = [f"--params={args.params}"] if args.params else []
    timed = [f"--pipelines={args.pipelines}"] if args.pipelines else []
    work = Path(tempfile.mkdtemp(prefix="bench_parallel_"))
    template = make_project(work / "template")
    if args.prepare:
        print(f"preparing: kedro run --pipelines={args.prepare}", flush=True)
        kedro_run(template, [f"--pipelines={args.prepare}", *common])
    header = (
        f"{platform.node()}: {os.cpu_count()} CPUs ({cpu_model()}), {memory_gib():.0f} GiB, "
        f"Python {platform.python_version()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), kedro {version('kedro')}"
    )
    print(header, flush=True)
    rows = []
    for repeat in range(1, args.repeats + 1):
        for runner in args.runners:
            root = work / f"{RUNNER_SHORT[runner]}_{repeat}"
            shutil.copytree(template, root)
            run_args = ["--runner", runner, *timed, *common]
            result = kedro_run(root, run_args)
            rows.append({"runner": runner, "repeat": repeat, "args": run_args, **result})
            print(
                f"{runner:<17} run {repeat}: {minutes(result['wall'])} wall, "
                f"{result['cpu']:.0f} s CPU, load before {result['load']:.1f}",
                flush=True,
            )
    best = {
        runner: min(r["wall"] for r in rows if r["runner"] == runner) for runner in args.runners
    }
    base = best[args.runners[0]]
    for runner, wall in best.items():
        print(f"best {runner}: {minutes(wall)} ({base / wall:.2f}x {args.runners[0]})")
    write_results(args, header, rows, best)
    if args.keep:
        print(f"projects kept in {work}")
    else:
        shutil.rmtree(work)


def write_results(args: argparse.Namespace, header: str, rows: list[dict], best: dict) -> None:
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    what = f"pipelines {args.pipelines}" if args.pipelines else "every pipeline (`__default__`)"
    prepared = f", after an untimed `--pipelines={args.prepare}`" if args.prepare else ""
    first = args.runners[0]
    lines = [
        "# `kedro run`: sequential vs ParallelRunner (benchmarks/bench_parallel.py)",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC).",
        f"Machine: {header}.",
        f"Run: conf/base (the embedded synthetic cohorts), {what}{prepared}"
        + (f", `--params {args.params}`" if args.params else "")
        + ". Each run starts from a fresh copy with empty data layers.",
        "",
        "| runner | run | wall | CPU (all processes) | peak RSS, largest process | load avg before |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['runner']} | {r['repeat']} | {minutes(r['wall'])} | {r['cpu']:.0f} s "
            f"| {r['max_rss_gib']:.2f} GiB | {r['load']:.1f} |"
        )
    lines += ["", f"| runner | best wall | speed-up vs {first} |", "|---|---:|---:|"]
    for runner, wall in best.items():
        lines.append(f"| {runner} | {minutes(wall)} | {best[first] / wall:.2f}x |")
    lines += [
        "",
        "ParallelRunner runs one worker process per CPU; `degnext.hooks.parallel_workers` gives each worker",
        "one torch thread and runs joblib on threads inside it, so its outputs equal a sequential",
        "run with `OMP_NUM_THREADS=1` (asserted in tests/e2e/test_run.py).",
        "The peak RSS column is the largest single process (ru_maxrss of the children), not a sum.",
    ]
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

"""Side by side with TCGAbiolinks: the exact test and the whole labeling chain, R vs this project.

Run: python benchmarks/bench_labeling_r.py [--cases chol,syn,chain405,chain1215] [--repeats 3]
The four inputs of issue 12 are written once as CSV under --workdir:
  chol       DEA on the authors' released CHOL matrix, 6,513 x 45 (9 normal first)
  syn        DEA on an NB matrix 6,514 x 1,215 (113 normal)
  chain405   whole chain on a synthetic cohort, 60,483 GENCODE v36 ids x 405 (38 normal)
  chain1215  whole chain at TCGA-BRCA size, 60,483 x 1,215 (113 normal); run once (--big-repeats)
Each repeat runs R (benchmarks/tcgabiolinks_labeling.R), this project and (with --landed-src) an
older version of it on the same file, each in a fresh process; wall time is the analysis alone (the CSV read is not timed), peak memory
is the process's max RSS. The chain here has no HGNC filter, as TCGAbiolinks has none
(`labeling.map_to_hgnc: false`). Without Rscript the R runs are skipped with a message.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

import numpy as np
import pandas as pd
from bench_common import PROJECT, cpu_model

R_SCRIPT = PROJECT / "benchmarks" / "tcgabiolinks_labeling.R"
RELEASE = PROJECT.parent / "shared" / "data" / "degnext_release"
CASES = {  # name: (mode, genes, samples, normal)
    "chol": ("dea", 6513, 45, 9),
    "syn": ("dea", 6514, 1215, 113),
    "chain405": ("chain", 60483, 405, 38),
    "chain1215": ("chain", 60483, 1215, 113),
}


def write_input(case: str, path: Path) -> None:
    """The case's counts as CSV: first column the gene id, then TCGA-like barcodes."""
    from bench_labeling import barcodes, nb_counts  # not in the workers: it imports the chain

    _, n_genes, n_samples, n_normal = CASES[case]
    names = barcodes(n_normal, n_samples - n_normal)
    if case == "chol":
        from degnext.data.release import read_release

        counts = read_release(RELEASE, "CHOL").expression.set_axis(names, axis=1)
    elif case == "syn":
        values = nb_counts(n_genes, n_normal, n_samples - n_normal, seed=1)
        counts = pd.DataFrame(values, index=[f"g{i}" for i in range(n_genes)], columns=names)
    else:
        from degnext.data.annotations import load_gencode

        ids = load_gencode()["gene_id"].str.replace(r"\.\d+", "", regex=True).to_numpy()[:n_genes]
        values = nb_counts(n_genes, n_normal, n_samples - n_normal, seed=2)
        values[:, -3:] = np.random.default_rng(3).permuted(values[:, -3:], axis=0)  # 3 outliers
        counts = pd.DataFrame(values, index=ids, columns=names)
    counts.rename_axis("gene_id").to_csv(path)


def run_python(mode: str, source: Path, out: Path) -> None:
    """This project's side (run in a child process): time the analysis, write the DEA table.

    A DEA run imports only the DEA, so its peak RSS is not the chain's modules'.
    """
    try:
        from degnext.labeling.dea import exact_test
    except ModuleNotFoundError:  # a --landed-src from before the labeling package (2026-11-25)
        from degnext.dea import exact_test

    if mode == "chain":
        from degnext.data.annotations import load_gene_info
        from degnext.labeling.normalization import normalize, quantile_filter
        from degnext.labeling.preprocessing import sample_outliers, validate_counts
    counts = pd.read_csv(source, index_col=0, engine="pyarrow")
    start = time.perf_counter()
    if mode == "chain":
        validate_counts(counts, "counts")
        counts, _ = sample_outliers(counts, cor_cut=0.6)
        counts = quantile_filter(normalize(counts, load_gene_info()), 0.25)
    normal = counts.columns.str[13:15] == "11"
    table = exact_test(counts, pd.Series(np.where(normal, "normal", "tumor"), counts.columns))
    print(f"seconds={time.perf_counter() - start:.3f}")
    table.to_csv(out)


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a child process under /usr/bin/time: its analysis seconds and its peak RSS in GiB."""
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss_kb=%M", *command],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode:
        raise RuntimeError(f"{command[:3]} failed:\n{proc.stderr[-3000:]}")
    seconds = next(line for line in proc.stdout.splitlines() if line.startswith("seconds="))
    peak_kb = next(line for line in proc.stderr.splitlines() if line.startswith("maxrss_kb="))
    return float(seconds[8:]), int(peak_kb[10:]) / 1024**2


def label_agreement(r_table: Path, py_table: Path) -> str:
    """Share of genes with the same label (FDR < 0.01 and logFC sign) and max |logFC| difference."""
    r, py = (pd.read_csv(path, index_col=0) for path in (r_table, py_table))
    if set(r.index) != set(py.index):
        return f"gene sets differ ({len(r)} R vs {len(py)} project)"
    py = py.loc[r.index]

    def labels(t: pd.DataFrame) -> np.ndarray:
        return np.where(t["FDR"] < 0.01, np.sign(t["logFC"]), 2)

    agree = (labels(r) == labels(py)).mean()
    return (
        f"{agree:.2%} of {len(r)} labels, max |dlogFC| {np.abs(r['logFC'] - py['logFC']).max():.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="chol,syn,chain405,chain1215")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-repeats", type=int, default=1, help="repeats of chain1215")
    parser.add_argument("--tools", default="r,python")
    parser.add_argument(
        "--landed-src",
        type=Path,
        help="a src/ folder of another version of degnext (e.g. `git archive main "
        "src`), run as a third tool 'landed' for before/after numbers",
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/degnext_bench_labeling"))
    parser.add_argument("--worker", nargs=3, metavar=("MODE", "IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_python(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        return
    tools = args.tools.split(",")
    if args.landed_src:
        tools.append("landed")
    if "r" in tools and shutil.which("Rscript") is None:
        print(
            "Rscript not found: R runs skipped (apt-get install r-bioc-tcgabiolinks "
            "r-bioc-edaseq r-bioc-edger)"
        )
        tools.remove("r")
    print(f"machine: {cpu_model()}, {len(os.sched_getaffinity(0))} cores; load {os.getloadavg()}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    for case in args.cases.split(","):
        mode = CASES[case][0]
        source = args.workdir / f"{case}.csv"
        if not source.exists():
            write_input(case, source)
        commands = {
            "r": ["Rscript", str(R_SCRIPT), mode, str(source), str(args.workdir / f"{case}_r.csv")],
            "python": [
                sys.executable,
                __file__,
                "--worker",
                mode,
                str(source),
                str(args.workdir / f"{case}_python.csv"),
            ],
            "landed": [
                sys.executable,
                __file__,
                "--worker",
                mode,
                str(source),
                str(args.workdir / f"{case}_landed.csv"),
            ],
        }
        envs = {"landed": {**os.environ, "PYTHONPATH": str(args.landed_src)}}
        results = {tool: [] for tool in tools}
        for _ in range(args.big_repeats if case == "chain1215" else args.repeats):
            for tool in tools:
                results[tool].append(timed(commands[tool], envs.get(tool)))
                print(
                    f"  {case} {tool}: {results[tool][-1][0]:.2f} s, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        line = [f"{case}:"]
        for tool, runs in results.items():
            line.append(
                f"{tool} median {median(s for s, _ in runs):.2f} s "
                f"(runs {', '.join(f'{s:.2f}' for s, _ in runs)}), "
                f"peak RSS {max(m for _, m in runs):.2f} GiB"
            )
        if {"r", "python"} <= set(results):
            ratio = median(s for s, _ in results["r"]) / median(s for s, _ in results["python"])
            line.append(
                f"project vs R {ratio:.1f}x; "
                + label_agreement(*(Path(commands[t][-1]) for t in ("r", "python")))
            )
        if {"landed", "python"} <= set(results):
            landed, new = (pd.read_csv(commands[t][-1], index_col=0) for t in ("landed", "python"))
            same = landed.equals(new)
            line.append(
                f"landed vs new {median(s for s, _ in results['landed']) / median(s for s, _ in results['python']):.1f}x, "  # noqa: E501
                f"tables {'identical' if same else 'DIFFER'}"
            )
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()

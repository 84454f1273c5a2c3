"""Benchmark of the labeling core: edgeR-exactTest DEA speed and the whole chain at TCGA-BRCA size.

Run: python benchmarks/bench_labeling.py [--genes 60483 --samples 1215 --normal 113]
(1) exact_test on a generated 6,514 x 45 NB matrix (the size TCGAbiolinks needs 10.9 s for);
(2) outliers, HGNC mapping, normalization, quantile filter, DEA, labels on a synthetic cohort with
GENCODE v36 gene ids; prints wall time per step and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
import pandas as pd

from degnext.data.annotations import load_gencode, load_gene_info
from degnext.labeling.dea import exact_test, label_genes
from degnext.labeling.normalization import normalize, quantile_filter
from degnext.labeling.preprocessing import map_to_hgnc, sample_outliers, validate_counts

TCGABIOLINKS_DEA_S = 10.9


def nb_counts(n_genes: int, n_normal: int, n_tumor: int, seed: int) -> np.ndarray:
    """NB counts (dispersion 0.2), 30% of genes with a log2 fold change, int32 column blocks."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(0.6, 600, n_genes) * (rng.random(n_genes) > 0.25)
    fold = np.exp2(rng.normal(0, 1.5, n_genes) * (rng.random(n_genes) < 0.3))
    out = np.empty((n_genes, n_normal + n_tumor), dtype=np.int32)
    size = 5.0
    for j in range(n_normal + n_tumor):
        depth = rng.uniform(0.6, 1.4)
        mu = base * depth * (fold if j >= n_normal else 1.0)
        out[:, j] = rng.negative_binomial(size, size / (size + mu))
    return out


def barcodes(n_normal: int, n_tumor: int) -> list[str]:
    return [f"TCGA-ZZ-{i:04d}-11A-01R-A000-07" for i in range(n_normal)] + [
        f"TCGA-ZZ-{i:04d}-01A-01R-A000-07" for i in range(n_normal, n_normal + n_tumor)
    ]


def bench_dea(repeats: int = 3) -> float:
    names = barcodes(9, 36)
    counts = pd.DataFrame(nb_counts(6514, 9, 36, seed=1), columns=names)
    condition = pd.Series(["normal"] * 9 + ["tumor"] * 36, index=names)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        exact_test(counts, condition)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(
        f"(1) exact_test 6514 x 45: best of {repeats} {best:.2f} s "
        f"({TCGABIOLINKS_DEA_S / best:.1f}x faster than TCGAbiolinks' {TCGABIOLINKS_DEA_S} s)"
    )
    return best


def bench_chain(n_genes: int, n_samples: int, n_normal: int) -> None:
    gene_ids = load_gencode()["gene_id"].to_numpy()[:n_genes]
    names = barcodes(n_normal, n_samples - n_normal)
    values = nb_counts(len(gene_ids), n_normal, n_samples - n_normal, seed=2)
    values[:, -3:] = np.random.default_rng(3).permuted(values[:, -3:], axis=0)  # 3 outliers
    counts = pd.DataFrame(values, index=pd.Index(gene_ids, name="gene_id"), columns=names)
    del values
    condition = pd.Series(
        np.where(counts.columns.str[13:15] == "11", "normal", "tumor"), index=counts.columns
    )
    steps = []

    def step(name, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        steps.append((name, time.perf_counter() - start))
        return out

    step("validate_counts", validate_counts, counts, "counts")
    kept, report = step("sample_outliers", sample_outliers, counts, 0.6)
    del counts
    mapped, _ = step("map_to_hgnc", map_to_hgnc, kept)
    del kept
    normalized = step("normalize geneLength", normalize, mapped, load_gene_info())
    filtered = step("quantile_filter", quantile_filter, normalized, 0.25)
    dea = step("exact_test", exact_test, filtered, condition)
    labels = step("label_genes", label_genes, dea)
    total = sum(t for _, t in steps)
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"(2) chain {len(gene_ids)} x {n_samples} ({n_normal} normal): "
        f"{int((~report.kept).sum())} outlier samples, {len(mapped)} HGNC genes, "
        f"{len(filtered)} after filter, labels {labels.value_counts().sort_index().to_dict()}"
    )
    for name, seconds in steps:
        print(f"    {name:<22} {seconds:8.2f} s")
    print(
        f"    {'total':<22} {total:8.2f} s; peak RSS {peak_gib:.2f} GiB "
        "(whole process, cohort generation included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=60483)
    parser.add_argument("--samples", type=int, default=1215)
    parser.add_argument("--normal", type=int, default=113)
    parser.add_argument("--skip-chain", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}"
    )
    bench_dea()
    if not args.skip_chain:
        bench_chain(args.genes, args.samples, args.normal)


if __name__ == "__main__":
    main()

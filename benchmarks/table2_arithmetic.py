"""Which evaluations can give the paper's Table 2 accuracies? A check on counts, no training.

Run: python benchmarks/table2_arithmetic.py

An accuracy over a T3 of n genes is a count of right genes over n. Table 2 prints two decimals,
so a printed value v is reachable by an evaluation when some count in it lies within 0.005 of v:
- one model, whole set: k / n;
- the mean of five fold models, whole set: K / 5n;
- the release's batch averaging (batches of 64 in file order) for one model, and its mean over
  five models: every combination of per-batch counts is enumerated.
T3 sizes are Table 6's (the release's T3 files have the same sizes for the cohorts released).
Writes the table to benchmarks/RESULTS_table2_arithmetic.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from bench_common import markdown

PROJECT = Path(__file__).resolve().parents[1]
TABLES = PROJECT.parent / "shared" / "data" / "paper_tables"
HALF_UNIT = 0.005 + 1e-9
BATCH = 64
FOLDS = 5


def reachable_means(n: int, n_models: int, batch: int | None) -> np.ndarray:
    """Every accuracy (%) that the mean over ``n_models`` evaluations on n genes can print."""
    sizes = [n] if batch is None else [min(batch, n - i) for i in range(0, n, batch)]
    values = np.zeros(1)
    for size in sizes:
        totals = np.arange(n_models * size + 1) / size
        values = np.unique(np.add.outer(values, totals).ravel().round(12))
    return 100 * values / (len(sizes) * n_models)


def fits(printed: float, n: int, n_models: int, batch: int | None) -> bool:
    return bool(np.abs(reachable_means(n, n_models, batch) - printed).min() <= HALF_UNIT)


def main() -> None:
    table2 = pd.read_csv(TABLES / "table2_general_learning_T3.csv")
    sizes = pd.read_csv(TABLES / "table6_dataset_sizes.csv").set_index("dataset")["T3"]
    rows = []
    for dataset, accuracy in zip(table2["dataset"], table2["accuracy"], strict=True):
        n = int(sizes[dataset])
        rows.append(
            {
                "dataset": dataset,
                "T3_genes": n,
                "accuracy": f"{accuracy:.2f}",
                "one_model": fits(accuracy, n, 1, None),
                "mean_of_5": fits(accuracy, n, FOLDS, None),
                "one_model_batch_mean": fits(accuracy, n, 1, BATCH),
                "mean_of_5_batch_mean": fits(accuracy, n, FOLDS, BATCH),
            }
        )
    result = pd.DataFrame(rows)
    counts = result.drop(columns=["dataset", "T3_genes", "accuracy"]).sum()
    summary = ", ".join(f"{name}: {int(k)} of {len(result)}" for name, k in counts.items())
    lines = [
        "# Table 2: which evaluation can print each accuracy",
        "",
        "Command: `python benchmarks/table2_arithmetic.py` (counting only, no model).",
        "",
        "True = some count of right T3 genes gives the printed value within half a unit of its",
        "last digit; `batch_mean` = the release's per-batch averaging (batches of 64).",
        "",
        markdown(result),
        "",
        f"Reachable: {summary}.",
        "",
    ]
    out = PROJECT / "benchmarks" / "RESULTS_table2_arithmetic.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

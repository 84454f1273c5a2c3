"""General learning on the release beside Table 2, from the outputs of finished runs.

Run, after `kedro run --env release --pipelines cnn_general --namespaces <C>` for each cohort:
    python benchmarks/release_general_summary.py CHOL KICH ESCA READ
Prints, per cohort, each fold's T3 accuracy after fine-tuning (best fold starred), the fold
mean (what Table 2 reports) and the best fold's model, against Table 2, and the precision the
fold models were trained in (from their checkpoints' provenance: fp32, or bf16 autocast).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from bench_common import markdown

from degnext.datasets import CheckpointDataset

PROJECT = Path(__file__).resolve().parents[1]
OUTPUTS = PROJECT / "data" / "release" / "07_model_output"  # data_root of conf/release
MODELS = PROJECT / "data" / "release" / "06_models"
TABLE2 = PROJECT.parent / "shared" / "data" / "paper_tables" / "table2_general_learning_T3.csv"
PRECISION = {None: "fp32", "bfloat16": "bf16"}


def training_precision(cohort: str) -> str:
    """fp32 or bf16, as every stage of every fine-tuned fold model recorded it; mixed otherwise."""
    dtypes = {
        stage["amp_dtype"]
        for path in sorted((MODELS / cohort / "fine_tuned_folds").glob("fold_*.pt"))
        for stage in CheckpointDataset(filepath=str(path)).load().provenance["stages"]
    }
    return PRECISION[dtypes.pop()] if len(dtypes) == 1 else "mixed"


def summary_row(cohort: str, paper: pd.Series) -> dict:
    folds = pd.read_parquet(OUTPUTS / cohort / "t3_fold_metrics.parquet")
    per_fold = folds[folds["fold"] != "mean"]
    best = per_fold[per_fold["best"]].iloc[0]
    mean = per_fold["accuracy"].mean()
    return {
        "cohort": cohort,
        "T3_genes": int(best["n"]),
        "fold_accuracies": ", ".join(
            f"{a:.2f}{'*' if b else ''}"
            for a, b in zip(per_fold["accuracy"], per_fold["best"], strict=True)
        ),
        "fold_mean": mean,
        "Table_2": float(paper[cohort]),
        "mean_minus_Table_2": mean - float(paper[cohort]),
        "best_fold": float(best["accuracy"]),
        "fold_mean_mcc": per_fold["mcc"].mean(),
        "precision": training_precision(cohort),
    }


def main(cohorts: list[str]) -> None:
    paper = pd.read_csv(TABLE2).set_index("dataset")["accuracy"]
    print(markdown(pd.DataFrame([summary_row(c, paper) for c in cohorts])))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Transfer learning trained by us on the release, beside the published weights and Table 3.

Run, after one or more trained release runs (one data root per seed), e.g.

    kedro run --env release --params experiments.general_learning=false,cnn_transfer.seed=2022
    python benchmarks/release_transfer_summary.py data/release

Prints, per untrained cohort, the accuracy and MCC on Q of: our trained model (whole set,
P(UR) >= 0.5; and the release code's way, logit >= 0.5 averaged over batches of 64), the
authors' published weights applied to the same rows the same two ways, the paper's Table 3 and
the no-training logFC-sign rule. With several data roots our model's columns are the mean and
the standard deviation over the runs (seeds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from bench_common import PROJECT, markdown

from degnext.gene_rows import gene_rows
from degnext.metrics import binary_metrics
from degnext.model import load_published
from degnext.training import predict

SHARED = PROJECT.parent / "shared"
PUBLISHED = SHARED / "data" / "degnext_release" / "pretrained" / "DEGnextModel_transfer.pth"
TABLE3 = SHARED / "data" / "paper_tables" / "table3_transfer_learning_Q.csv"
PAPERS_WAY = {"decision": "logit", "aggregate": "batch_mean", "batch_size": 64}


def both_ways(labels: np.ndarray, p_up: np.ndarray) -> dict[str, float]:
    """Accuracy and MCC over the whole set and the release code's way."""
    whole = binary_metrics(labels, p_up)
    papers = binary_metrics(labels, p_up, **PAPERS_WAY)
    return {
        "accuracy": whole["accuracy"],
        "mcc": whole["mcc"],
        "roc_auc": whole["roc_auc"],
        "accuracy_papers_way": papers["accuracy"],
        "mcc_papers_way": papers["mcc"],
    }


def cohorts_of(root: Path) -> list[str]:
    """Untrained cohorts with transfer predictions under a data root."""
    found = root.glob("07_model_output/*/transfer_predictions.parquet")
    return sorted(path.parent.name for path in found)


def trained_scores(root: Path, cohort: str) -> dict[str, float]:
    predictions = pd.read_parquet(
        root / "07_model_output" / cohort / "transfer_predictions.parquet"
    )
    return both_ways(predictions["label"].to_numpy(), predictions["p_up"].to_numpy())


def published_scores(root: Path, cohort: str) -> dict[str, float]:
    """The authors' weights on the same Q rows, in the same order, as our model's predictions."""
    expression = pd.read_parquet(root / "04_feature" / cohort / "expression.parquet")
    splits = pd.read_parquet(root / "05_model_input" / cohort / "splits.parquet")
    features, labels, _ = gene_rows(expression, splits, ("F1", "T3"), cohort)
    model = load_published(PUBLISHED, n_inputs=features.shape[1])
    return both_ways(labels, predict(model, features, device="cpu"))


def sign_rule_scores(root: Path, cohort: str) -> dict[str, float]:
    table = pd.read_parquet(
        root / "07_model_output" / cohort / "transfer_baseline_metrics.parquet"
    ).set_index("model")
    return {"accuracy": table.loc["logfc_sign", "accuracy"], "mcc": table.loc["logfc_sign", "mcc"]}


def summary(roots: list[Path]) -> pd.DataFrame:
    paper = pd.read_csv(TABLE3).set_index("dataset")
    rows = []
    for cohort in cohorts_of(roots[0]):
        ours = pd.DataFrame([trained_scores(root, cohort) for root in roots])
        published = published_scores(roots[0], cohort)
        sign = sign_rule_scores(roots[0], cohort)
        row = {"cohort": cohort}
        for key in ("accuracy", "accuracy_papers_way", "mcc", "roc_auc"):
            row[f"ours_{key}"] = ours[key].mean()
            if len(roots) > 1:
                row[f"ours_{key}_sd"] = ours[key].std(ddof=1)
        row |= {
            "published_accuracy": published["accuracy"],
            "published_accuracy_papers_way": published["accuracy_papers_way"],
            "published_mcc": published["mcc"],
            "Table_3_accuracy": float(paper.loc[cohort, "accuracy"]),
            "Table_3_mcc": float(paper.loc[cohort, "mcc"]),
            "sign_rule_accuracy": float(sign["accuracy"]),
            "sign_rule_mcc": float(sign["mcc"]),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path, help="data roots of trained release runs")
    table = summary(parser.parse_args().roots)
    print(markdown(table))


if __name__ == "__main__":
    main()

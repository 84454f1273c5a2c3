"""Transfer learning trained by us on the release, beside the published weights and Table 3.

Run, after one or more trained release runs (one data root per seed), e.g.

    kedro run --env release --params experiments.general_learning=false,cnn_transfer.seed=2022
    python benchmarks/release_transfer_summary.py data/release

Prints, per untrained cohort, the accuracy and MCC on Q of: our trained model (whole set,
P(UR) >= 0.5; and the release code's way, logit >= 0.5 averaged over batches of 64), the
authors' published weights on the same rows (the run's ``published_transfer_predictions``,
made because ``conf/release`` sets ``experiments.compare_published``), the paper's Table 3 and
the no-training logFC-sign rule. With several data roots our model's columns are the mean and
the standard deviation over the runs (seeds). Every score is computed from the stored float64
logits, as the report does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from bench_common import PROJECT, markdown

from degnext.evaluation.metrics import binary_metrics_from_logits

TABLE3 = PROJECT.parent / "shared" / "data" / "paper_tables" / "table3_transfer_learning_Q.csv"
PAPERS_WAY = {"decision": "logit", "aggregate": "batch_mean", "batch_size": 64}


def both_ways(root: Path, cohort: str, dataset: str) -> dict[str, float]:
    """Accuracy, MCC and ROC AUC of one prediction table, over the whole set and the paper's way."""
    predictions = pd.read_parquet(root / "07_model_output" / cohort / f"{dataset}.parquet")
    labels, logits = predictions["label"].to_numpy(), predictions["logit"].to_numpy()
    whole = binary_metrics_from_logits(labels, logits)
    papers = binary_metrics_from_logits(labels, logits, **PAPERS_WAY)
    return {
        "accuracy": whole["accuracy"],
        "mcc": whole["mcc"],
        "roc_auc": whole["roc_auc"],
        "accuracy_papers_way": papers["accuracy"],
    }


def cohorts_of(root: Path) -> list[str]:
    """Untrained cohorts with transfer predictions under a data root."""
    found = root.glob("07_model_output/*/transfer_predictions.parquet")
    return sorted(path.parent.name for path in found)


def sign_rule_scores(root: Path, cohort: str) -> dict[str, float]:
    table = pd.read_parquet(
        root / "07_model_output" / cohort / "transfer_baseline_metrics.parquet"
    ).set_index("model")
    return {"accuracy": table.loc["logfc_sign", "accuracy"], "mcc": table.loc["logfc_sign", "mcc"]}


def summary(roots: list[Path]) -> pd.DataFrame:
    paper = pd.read_csv(TABLE3).set_index("dataset")
    rows = []
    for cohort in cohorts_of(roots[0]):
        ours = pd.DataFrame([both_ways(root, cohort, "transfer_predictions") for root in roots])
        published = both_ways(roots[0], cohort, "published_transfer_predictions")
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

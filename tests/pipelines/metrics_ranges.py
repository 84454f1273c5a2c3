"""What every metrics record of the project holds: percentages, fractions and the gene counts."""

from __future__ import annotations

PERCENT = ("accuracy", "recall", "precision")
FRACTION = ("f_measure", "roc_auc")


def assert_binary_metrics(scores: dict, n_genes: int) -> None:
    """Accuracy, recall and precision in [0, 100], F-measure and AUC in [0, 1], MCC in [-1, 1]."""
    assert scores["n"] == n_genes
    assert 0 <= scores["n_up"] <= n_genes
    for key in PERCENT:
        assert 0 <= scores[key] <= 100, (key, scores[key])
    for key in FRACTION:
        assert 0 <= scores[key] <= 1, (key, scores[key])
    assert -1 <= scores["mcc"] <= 1

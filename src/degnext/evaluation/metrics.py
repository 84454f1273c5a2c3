"""Classification metrics like the paper's Tables 2/3, computed from confusion matrices.

Columns: accuracy (percent), weighted recall (percent), weighted precision (percent), weighted
F-measure, MCC, ROC AUC; these equal scikit-learn's accuracy_score, recall/precision/f1_score
(average="weighted", zero_division=0) and matthews_corrcoef.

The release code differs in two ways, kept as options: it calls a gene UR when the *logit* is
>= 0.5 (`decision="logit"`, i.e. P(UR) >= sigmoid(0.5) = 0.62), and it averages per-batch scores
over test batches of 64 genes (`aggregate="batch_mean"`). Our defaults are the correct ones:
probability >= 0.5, scores over all genes at once.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from degnext.errors import DEGnextInputError

SCORE_KEYS = ("accuracy", "recall", "precision", "f_measure", "mcc")


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts matrix C[i, j] = genes of true class i predicted as j."""
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def scores_from_confusion(cm: np.ndarray) -> dict[str, float]:
    """Accuracy, weighted recall/precision (percent), weighted F-measure and MCC of one matrix."""
    cm = cm.astype(float)
    total, tp = cm.sum(), np.diag(cm)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, tp / support, 0.0)
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    weights = support / total
    cov = tp.sum() * total - predicted @ support
    denom = np.sqrt((total**2 - predicted @ predicted) * (total**2 - support @ support))
    return {
        "accuracy": float(100 * tp.sum() / total),
        "recall": 100 * float(weights @ recall),
        "precision": 100 * float(weights @ precision),
        "f_measure": float(weights @ f1),
        "mcc": float(cov / denom) if denom > 0 else 0.0,
    }


def _roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y_true, score)) if np.unique(y_true).size == 2 else float("nan")


def _batch_mean(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, batch_size: int) -> dict:
    per_batch = [
        scores_from_confusion(
            confusion(y_true[i : i + batch_size], y_pred[i : i + batch_size], n_classes)
        )
        for i in range(0, y_true.size, batch_size)
    ]
    return {k: float(np.mean([b[k] for b in per_batch])) for k in per_batch[0]}


def _labels(y_true: np.ndarray, n: int, allowed: int) -> np.ndarray:
    y = np.asarray(y_true)
    if y.shape != (n,):
        raise DEGnextInputError(f"y_true must hold one label per prediction ({n}), got {y.shape}")
    if not np.isin(y, np.arange(allowed)).all():
        raise DEGnextInputError(f"y_true labels must be in 0..{allowed - 1}, got {np.unique(y)}")
    return y.astype(np.int64)


def _binary_scores(
    y: np.ndarray, y_pred: np.ndarray, score: np.ndarray, aggregate: str, batch_size: int
) -> dict[str, float]:
    if aggregate == "whole":
        scores = scores_from_confusion(confusion(y, y_pred, 2))
    elif aggregate == "batch_mean":
        scores = _batch_mean(y, y_pred, 2, batch_size)
    else:
        raise DEGnextInputError(
            f"parameter aggregate must be 'whole' or 'batch_mean', got {aggregate!r}"
        )
    return {**scores, "roc_auc": _roc_auc(y, score), "n": int(y.size), "n_up": int(y_pred.sum())}


def _check_decision(decision: str) -> None:
    if decision not in ("probability", "logit"):
        raise DEGnextInputError(
            f"parameter decision must be 'probability' or 'logit', got {decision!r}"
        )


def _scores_vector(values: np.ndarray, what: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise DEGnextInputError(f"{what} must be a non-empty 1-D vector, got shape {v.shape}")
    return v


def binary_metrics(
    y_true: np.ndarray,
    p_up: np.ndarray,
    *,
    threshold: float = 0.5,
    decision: Literal["probability", "logit"] = "probability",
    aggregate: Literal["whole", "batch_mean"] = "whole",
    batch_size: int = 64,
) -> dict[str, float]:
    """UR (1) vs DR (0) scores from P(UR); ROC AUC is always over all genes.

    ``n_up`` counts the genes called UR, so a model that calls one class for every gene shows.
    Prefer `binary_metrics_from_logits` where logits exist: a float32 P(UR) rounds to exactly
    1.0 for many confident genes, and those ties lower the ROC AUC.
    """
    p = _scores_vector(p_up, "p_up")
    y = _labels(y_true, p.size, 2)
    _check_decision(decision)
    cut = threshold if decision == "probability" else 1 / (1 + np.exp(-threshold))
    return _binary_scores(y, (p >= cut).astype(np.int64), p, aggregate, batch_size)


def binary_metrics_from_logits(
    y_true: np.ndarray,
    logit: np.ndarray,
    *,
    threshold: float = 0.5,
    decision: Literal["probability", "logit"] = "probability",
    aggregate: Literal["whole", "batch_mean"] = "whole",
    batch_size: int = 64,
) -> dict[str, float]:
    """`binary_metrics` from float64 logits: the same calls, and a ROC AUC without the ties that
    a saturated P(UR) would create (the logit ranks genes the way the exact probability does)."""
    z = _scores_vector(logit, "logit")
    y = _labels(y_true, z.size, 2)
    _check_decision(decision)
    if decision == "probability" and not 0 < threshold < 1:
        raise DEGnextInputError(f"parameter threshold must be in (0, 1), got {threshold}")
    cut = np.log(threshold / (1 - threshold)) if decision == "probability" else threshold
    return _binary_scores(y, (z >= cut).astype(np.int64), z, aggregate, batch_size)


def multiclass_metrics(y_true: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """Scores of argmax(probs) over all genes, plus micro-averaged one-vs-rest ROC AUC and log loss."""
    pr = np.asarray(probs, dtype=float)
    if pr.ndim != 2 or pr.shape[0] == 0:
        raise DEGnextInputError(f"probs must be (genes, classes), got {pr.shape}")
    k = pr.shape[1]
    y = _labels(y_true, pr.shape[0], k)
    scores = scores_from_confusion(confusion(y, pr.argmax(axis=1), k))
    onehot = np.eye(k)[y]
    p_true = np.clip(pr[np.arange(y.size), y], 1e-15, 1.0)
    return {
        **scores,
        "roc_auc_micro": _roc_auc(onehot.ravel(), pr.ravel()),
        "log_loss": float(-np.mean(np.log(p_true))),
        "n": int(y.size),
    }


def score_predictions(predictions: pd.DataFrame, options: dict) -> dict:
    """The paper's metrics of per-gene predictions (``label``, ``logit`` columns).

    ``options`` is a pipeline's ``metrics`` block: the whole set at P(UR) >= 0.5 by default, or
    the release code's variant. Computed from the logits, so the ROC AUC has no ties from a
    saturated P(UR).
    """
    return binary_metrics_from_logits(
        predictions["label"].to_numpy(),
        predictions["logit"].to_numpy(),
        decision=options["decision"],
        aggregate=options["aggregate"],
        batch_size=options["batch_size"],
    )


def release_scores(predictions: pd.DataFrame, batch_size: int) -> dict:
    """The release code's metrics (logit >= 0.5, mean over test batches), keys ``release_*``."""
    release = {"decision": "logit", "aggregate": "batch_mean", "batch_size": batch_size}
    scores = score_predictions(predictions, release)
    return {f"release_{key}": scores[key] for key in (*SCORE_KEYS, "n_up")}

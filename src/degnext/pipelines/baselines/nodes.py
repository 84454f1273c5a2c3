"""Baselines: classical classifiers and a no-training logFC-sign rule on the CNN's own rows.

They train on exactly the rows the CNN learned from in general learning — T1's UR/DR genes (the
neutral class has no binary label) and F1 — and are tested on the same T3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from degnext import baselines, metrics
from degnext.cohorts import resolve
from degnext.gene_rows import gene_rows

RULE = "logfc_sign"


def training_rows(
    expression: pd.DataFrame, splits: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """T1 UR/DR rows then F1: the binary rows the general-learning CNN was trained on."""
    features, labels, rows = gene_rows(expression, splits, ("T1", "F1"))
    binary = labels != 2
    return features[binary], labels[binary], rows[binary].reset_index(drop=True)


def normal_count(expression: pd.DataFrame, samples: pd.DataFrame) -> int:
    """How many leading columns of ``expression`` are normal samples."""
    condition = samples.set_index("barcode")["condition"].reindex(expression.columns)
    return int((condition == "normal").sum())


def train_baselines(
    expression: pd.DataFrame, splits: pd.DataFrame, cohort: dict, baselines_params: dict
) -> dict:
    """Every configured classifier, fitted on the general-learning training rows."""
    params = resolve(baselines_params, cohort, "baselines")
    features, labels, _ = training_rows(expression, splits)
    return {
        name: baselines.fit_baseline(
            name, settings or {}, features, labels, seed=params["seed"], n_jobs=params["n_jobs"]
        )
        for name, settings in params["models"].items()
    }


def up_probabilities(models: dict, features: np.ndarray, n_normal: int) -> dict[str, np.ndarray]:
    """P(UR) of every baseline and of the logFC-sign rule for the given rows."""
    scores = {
        name: baselines.predict_up_probability(model, features) for name, model in models.items()
    }
    scores[RULE] = baselines.logfc_sign_rule(features, n_normal)
    return scores


def evaluate_baselines(
    baseline_models: dict, expression: pd.DataFrame, splits: pd.DataFrame, samples: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-gene predictions on T3 and one metrics row per model."""
    features, labels, rows = gene_rows(expression, splits, ("T3",))
    scores = up_probabilities(baseline_models, features, normal_count(expression, samples))
    predictions = pd.concat(
        [
            rows[["gene_id", "symbol", "label"]].assign(
                model=name, p_up=p_up, predicted=(p_up >= 0.5).astype(int)
            )
            for name, p_up in scores.items()
        ],
        ignore_index=True,
    )
    table = pd.DataFrame(
        [{"model": name, **metrics.binary_metrics(labels, p_up)} for name, p_up in scores.items()]
    )
    return predictions, table

"""Baselines: classical classifiers and a no-training logFC-sign rule on the CNN's own rows.

General learning: they train on exactly the rows the CNN learned from — T1's UR/DR genes (the
neutral class has no binary label) and F1 — and are tested on the same T3 (Table S1).
Transfer learning: they train on every train cohort's T1 UR/DR rows and F1 and predict each
untrained cohort's Q (Table S2). Cohorts differ in sample count, so there each gene is described
by the quantiles of its normal and tumor values (``baselines.quantile_profile``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from degnext.data.splits import gene_rows
from degnext.evaluation import baselines, metrics


def training_rows(
    expression: pd.DataFrame, splits: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """T1's UR/DR rows, then F1: the binary rows the CNN learns from, in the CNN's order."""
    parts = [gene_rows(expression, splits, (name,)) for name in ("T1", "F1")]
    features = np.vstack([part[0] for part in parts])
    labels = np.concatenate([part[1] for part in parts])
    rows = pd.concat([part[2] for part in parts], ignore_index=True)
    binary = labels != 2
    return features[binary], labels[binary], rows[binary].reset_index(drop=True)


def train_baselines(expression: pd.DataFrame, splits: pd.DataFrame, params: dict) -> dict:
    """Every configured classifier, fitted on the general-learning training rows."""
    features, labels, _ = training_rows(expression, splits)
    return _fit_every_model(params, features, labels)


def _fit_every_model(params: dict, features: np.ndarray, labels: np.ndarray) -> dict:
    """Each configured classifier (``params["models"]``), fitted on the same rows."""
    return {
        name: baselines.fit_baseline(
            name, settings or {}, features, labels, seed=params["seed"], n_jobs=params["n_jobs"]
        )
        for name, settings in params["models"].items()
    }


def evaluate_baselines(
    baseline_models: dict, expression: pd.DataFrame, splits: pd.DataFrame, samples: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-gene predictions on T3 and one metrics row per model."""
    features, labels, rows = gene_rows(expression, splits, ("T3",))
    scores = baselines.up_probabilities(
        baseline_models, features, baselines.normal_count(expression, samples)
    )
    return _prediction_tables(rows, labels, scores)


def _prediction_tables(
    rows: pd.DataFrame, labels: np.ndarray, scores: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long per-gene predictions and one metrics row per model, from each model's P(UR)."""
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


def _profile(features: np.ndarray, n_normal: int, n_quantiles: int) -> np.ndarray:
    if not len(features):
        return np.empty((0, 2 * n_quantiles))
    return baselines.quantile_profile(features, n_normal, n_quantiles)


def train_transfer_baselines(baselines_params: dict, *cohort_data: pd.DataFrame) -> dict:
    """Every configured classifier, fitted on the transfer CNN's rows (quantile profiles).

    The rows are each train cohort's T1 UR/DR rows then its F1, cohorts in configuration order;
    profiles give cohorts of any sample count one feature width.
    """
    n_quantiles = baselines_params["transfer"]["n_quantiles"]
    profiles, labels = [], []
    for expression, splits, samples in zip(
        cohort_data[::3], cohort_data[1::3], cohort_data[2::3], strict=True
    ):
        features, cohort_labels, _ = training_rows(expression, splits)
        profiles.append(
            _profile(features, baselines.normal_count(expression, samples), n_quantiles)
        )
        labels.append(cohort_labels)
    return _fit_every_model(baselines_params, np.vstack(profiles), np.concatenate(labels))


def evaluate_transfer_baselines(
    transfer_baseline_models: dict,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    samples: pd.DataFrame,
    baselines_params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-gene predictions on an untrained cohort's Q (F1 + T3) and one metrics row per model."""
    raw, labels, rows = gene_rows(expression, splits, ("F1", "T3"))
    n_normal = baselines.normal_count(expression, samples)
    profiles = _profile(raw, n_normal, baselines_params["transfer"]["n_quantiles"])
    scores = {
        name: baselines.predict_up_probability(model, profiles)
        for name, model in transfer_baseline_models.items()
    }
    scores[baselines.RULE] = baselines.logfc_sign_rule(raw, n_normal)
    return _prediction_tables(rows, labels, scores)

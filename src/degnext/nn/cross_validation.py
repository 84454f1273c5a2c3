"""k-fold cross-validation of the first level: every fold's model and its validation scores."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from degnext.errors import DEGnextInputError
from degnext.evaluation.metrics import multiclass_metrics
from degnext.nn.inference import outputs
from degnext.nn.model import DEGnext
from degnext.nn.training import StageParams, fit

logger = logging.getLogger("degnext.nn.training")


def _validation_loss(model: DEGnext, out: torch.Tensor, y: np.ndarray) -> float:
    if model.is_binary:
        return float(
            nn.functional.binary_cross_entropy_with_logits(out, torch.as_tensor(y).float())
        )
    return float(nn.functional.cross_entropy(out, torch.as_tensor(y).long()))


def train_fold(
    X: np.ndarray,
    y: np.ndarray,
    held_out: np.ndarray,
    params: StageParams,
    *,
    seed: int,
    device: str = "auto",
    n_outputs: int = 3,
    **fit_kwargs: object,
) -> DEGnext:
    """One CV fold's model: the seeded initial weights trained on every row not held out."""
    model = DEGnext(X.shape[1], n_outputs, seed=seed)
    fit(model, X[~held_out], y[~held_out], params, seed=seed, device=device, **fit_kwargs)
    return model


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    params: StageParams,
    *,
    seed: int,
    device: str = "auto",
    n_outputs: int = 3,
    cohorts: Sequence[str] = (),
    **fit_kwargs: object,
) -> tuple[dict[int, DEGnext], pd.DataFrame]:
    """k-fold CV: train on k-1 folds, validate on the held-out one; every fold's model and scores.

    The table's ``best`` column marks the fold to keep: highest validation accuracy, ties broken
    by lower validation loss, then lower fold id. All models are returned because the paper's
    Table 2 averages the T3 metrics of the five fold models. Every fold starts from the same
    seeded initial weights, so folds differ only in their data.
    """
    X, y, folds = np.asarray(X), np.asarray(y), np.asarray(folds)
    if folds.shape != (X.shape[0],) or not np.issubdtype(folds.dtype, np.integer):
        raise DEGnextInputError(
            f"folds must be one integer fold id per gene row ({X.shape[0]}), "
            f"got shape {folds.shape} dtype {folds.dtype}"
        )
    fold_ids = np.unique(folds)
    if fold_ids.size < 2:
        raise DEGnextInputError(
            f"folds must hold at least 2 distinct fold ids, got {fold_ids.tolist()}"
        )
    rows, models = [], {}
    for position, fold in enumerate(fold_ids, start=1):
        val = folds == fold
        model = train_fold(
            X,
            y,
            val,
            params,
            seed=seed,
            device=device,
            n_outputs=n_outputs,
            stage=f"first_level fold {fold} ({position} of {fold_ids.size})",
            cohorts=cohorts,
            **fit_kwargs,
        )
        out = outputs(model, X[val], 4096, device)
        probs = torch.sigmoid(out).numpy() if model.is_binary else out.softmax(dim=1).numpy()
        if model.is_binary:
            probs = np.stack([1 - probs, probs], axis=1)
        scores = multiclass_metrics(y[val], probs)
        rows.append(
            {
                "fold": int(fold),
                "n_train": int((~val).sum()),
                "n_val": int(val.sum()),
                "accuracy": scores["accuracy"],
                "weighted_f1": scores["f_measure"],
                "loss": _validation_loss(model, out, y[val]),
            }
        )
        models[int(fold)] = model
        logger.info(
            "%s first level fold %d: validation accuracy %.2f%%, loss %.4f",
            " + ".join(cohorts) or "model",
            fold,
            scores["accuracy"],
            rows[-1]["loss"],
        )
    table = pd.DataFrame(rows)
    best = table.sort_values(["accuracy", "loss", "fold"], ascending=[False, True, True])["fold"]
    table["best"] = table["fold"] == best.iloc[0]
    for fold, model in models.items():
        model.provenance["cv"] = table.to_dict(orient="records")
        model.provenance["fold"] = fold
    return models, table

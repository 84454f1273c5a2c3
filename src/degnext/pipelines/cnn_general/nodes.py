"""General learning: per cohort, 3-class k-fold CV on T1, binary fine-tune on F1, test on T3.

The best fold's model gives the predictions; every fold's model is fine-tuned and scored on T3
too, because the paper's Table 2 reports the mean over the five folds.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import expit

from degnext.data.splits import gene_rows
from degnext.evaluation import metrics
from degnext.nn import training
from degnext.nn.model import DEGnext


def stage(params: dict, name: str) -> training.StageParams:
    """Typed training settings of one stage (``first_level`` or ``fine_tune``)."""
    settings = dict(params[name])
    settings["betas"] = tuple(settings["betas"])
    return training.StageParams(**settings)


def train_stage(
    model: DEGnext,
    datasets: list[tuple[np.ndarray, np.ndarray]],
    params: dict,
    name: str,
    cohorts: list[str],
    label: str | None = None,
) -> pd.DataFrame:
    """Train ``model`` in place on the cohorts' datasets in turn with the settings of stage ``name``.

    ``label`` (default: ``name``) is how the progress lines and the provenance call the stage.
    """
    return training.fit_sequential(
        model,
        datasets,
        stage(params, name),
        seed=params["seed"],
        device=params["device"],
        input_noise_std=params["input_noise_std"],
        stage=label or name,
        cohorts=cohorts,
    )


def train_first_level(
    expression: pd.DataFrame, splits: pd.DataFrame, params: dict, name: str
) -> tuple[DEGnext, pd.DataFrame, dict[str, DEGnext]]:
    """k-fold CV of the 3-class network on T1: the best fold's model, a per-fold table, all folds."""
    features, labels, rows = gene_rows(expression, splits, ("T1",), name)
    models, folds = training.cross_validate(
        features,
        labels,
        rows["fold"].to_numpy(),
        stage(params, "first_level"),
        seed=params["seed"],
        device=params["device"],
        input_noise_std=params["input_noise_std"],
        cohorts=[name],
    )
    best = int(folds.loc[folds["best"], "fold"].item())
    # PartitionedDataset calls a callable partition to get what it saves, and a torch module is
    # callable, so each model is handed over wrapped in a function that returns it.
    partitions = {_fold_key(fold): (lambda model=model: model) for fold, model in models.items()}
    return models[best], folds, partitions


def _fold_key(fold: int) -> str:
    """Partition name of a fold's model in ``first_level_fold_models``."""
    return f"fold_{fold}"


def evaluate_first_level(
    first_level_model: DEGnext,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    params: dict,
) -> dict:
    """3-class metrics of the best-fold model on the held-out non-bio genes (T2)."""
    features, labels, _ = gene_rows(expression, splits, ("T2",))
    if not len(labels):
        return {"n": 0, "note": "no held-out T2: T2 stood in for an unreleased T1"}
    probabilities = training.predict(first_level_model, features, device=params["device"])
    return metrics.multiclass_metrics(labels, probabilities)


def fine_tune(
    first_level_model: DEGnext,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    params: dict,
    name: str,
) -> tuple[DEGnext, pd.DataFrame]:
    """Swap in the binary head and train on F1 (UR vs DR genes backed by disease knowledge)."""
    features, labels, _ = gene_rows(expression, splits, ("F1",))
    return _fine_tuned(first_level_model, features, labels, params, name)


def _fine_tuned(
    first_level_model: DEGnext,
    features: np.ndarray,
    labels: np.ndarray,
    params: dict,
    name: str,
    label: str = "fine_tune",
) -> tuple[DEGnext, pd.DataFrame]:
    model = copy.deepcopy(first_level_model).swap_to_binary_head(seed=params["seed"])
    history = train_stage(model, [(features, labels)], params, "fine_tune", [name], label)
    return model, history[["epoch", "loss"]]


def predict_genes(
    model: DEGnext, features: np.ndarray, rows: pd.DataFrame, device: str
) -> pd.DataFrame:
    """Per-gene UR/DR call with its float64 logit and probability, beside the gene's known label."""
    logit = training.binary_logits(model, features, device=device)
    predicted = (logit >= 0).astype(int)
    return rows[["gene_id", "symbol", "set", "label"]].assign(
        logit=logit,
        p_up=expit(logit),
        predicted=predicted,
        call=np.where(predicted == 1, "UR", "DR"),
    )


def score_predictions(predictions: pd.DataFrame, params: dict) -> dict:
    """The paper's metrics over the whole test set (or the release code's variant, by parameter).

    Computed from the logits, so the ROC AUC has no ties from a saturated P(UR).
    """
    options = params["metrics"]
    return metrics.binary_metrics_from_logits(
        predictions["label"].to_numpy(),
        predictions["logit"].to_numpy(),
        decision=options["decision"],
        aggregate=options["aggregate"],
        batch_size=options["batch_size"],
    )


def release_scores(predictions: pd.DataFrame, batch_size: int) -> dict:
    """The release code's metrics (logit >= 0.5, mean over test batches), keys ``release_*``."""
    scores = metrics.binary_metrics_from_logits(
        predictions["label"].to_numpy(),
        predictions["logit"].to_numpy(),
        decision="logit",
        aggregate="batch_mean",
        batch_size=batch_size,
    )
    return {f"release_{key}": scores[key] for key in (*metrics.SCORE_KEYS, "n_up")}


def evaluate_on_t3(
    general_model: DEGnext,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    params: dict,
) -> tuple[pd.DataFrame, dict]:
    """Predictions and metrics of the fine-tuned model on the bio-test genes (T3)."""
    features, _, rows = gene_rows(expression, splits, ("T3",))
    predictions = predict_genes(general_model, features, rows, params["device"])
    return predictions, score_predictions(predictions, params)


def evaluate_folds_on_t3(
    first_level_fold_models: dict[str, Callable[[], DEGnext]],
    cv_folds: pd.DataFrame,
    general_model: DEGnext,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    params: dict,
    name: str,
) -> pd.DataFrame:
    """Score every fold's fine-tuned model on T3, one row per fold plus their mean.

    Beside the configured metrics, ``release_*`` columns hold the release code's (logit >= 0.5,
    mean over batches), so the report can set both beside Table 2 from one run.

    The best fold's fine-tuned model is ``general_model``; the other folds are loaded one at a
    time from their PartitionedDataset loaders and fine-tuned on F1 the same way.
    """
    f1_features, f1_labels, _ = gene_rows(expression, splits, ("F1",))
    t3_features, _, t3_rows = gene_rows(expression, splits, ("T3",))
    rows = []
    for fold, best in zip(cv_folds["fold"], cv_folds["best"], strict=True):
        if best:
            model = general_model
        else:
            first_level = first_level_fold_models[_fold_key(fold)]()
            model, _ = _fine_tuned(
                first_level, f1_features, f1_labels, params, name, f"fine_tune of fold {fold}"
            )
        predictions = predict_genes(model, t3_features, t3_rows, params["device"])
        rows.append(
            {
                "fold": str(fold),
                "best": bool(best),
                **score_predictions(predictions, params),
                **release_scores(predictions, params["metrics"]["batch_size"]),
            }
        )
    table = pd.DataFrame(rows)
    mean = table.drop(columns=["fold", "best"]).mean()
    return pd.concat(
        [table, pd.DataFrame([{"fold": "mean", "best": False, **mean.to_dict()}])],
        ignore_index=True,
    )

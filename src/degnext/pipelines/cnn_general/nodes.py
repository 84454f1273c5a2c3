"""General learning: per cohort, 3-class k-fold CV on T1, binary fine-tune on F1, test on T3.

The best fold's model gives the predictions; every fold's model is fine-tuned and scored on T3
too, because the paper's Table 2 reports the mean over the five folds.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from degnext.data.splits import gene_rows
from degnext.evaluation import metrics
from degnext.nn import inference, training
from degnext.nn.cross_validation import cross_validate
from degnext.nn.model import DEGnext

FoldModels = dict[str, Callable[[], DEGnext]]


def train_first_level(
    expression: pd.DataFrame, splits: pd.DataFrame, params: dict, name: str
) -> tuple[DEGnext, pd.DataFrame, FoldModels]:
    """k-fold CV of the 3-class network on T1: the best fold's model, a per-fold table, all folds."""
    features, labels, rows = gene_rows(expression, splits, ("T1",), name)
    models, folds = cross_validate(
        features,
        labels,
        rows["fold"].to_numpy(),
        training.stage_params(params, "first_level"),
        **training.run_options(params),
        cohorts=[name],
    )
    best = int(folds.loc[folds["best"], "fold"].item())
    return models[best], folds, _partitions(models)


def _partitions(models: dict[int, DEGnext]) -> FoldModels:
    """One ``fold_<k>`` partition per model.

    PartitionedDataset calls a callable partition to get what it saves, and a torch module is
    callable, so each model is handed over wrapped in a function that returns it.
    """
    return {f"fold_{fold}": (lambda model=model: model) for fold, model in models.items()}


def evaluate_first_level(
    first_level_model: DEGnext, expression: pd.DataFrame, splits: pd.DataFrame, params: dict
) -> dict:
    """3-class metrics of the best-fold model on the held-out non-bio genes (T2)."""
    features, labels, _ = gene_rows(expression, splits, ("T2",))
    if not len(labels):
        return {"n": 0, "note": "no held-out T2: T2 stood in for an unreleased T1"}
    probabilities = inference.predict(first_level_model, features, device=params["device"])
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
    model, history = training.fine_tuned(first_level_model, [(features, labels)], params, [name])
    return model, history[["epoch", "loss"]]


def evaluate_on_t3(
    general_model: DEGnext, expression: pd.DataFrame, splits: pd.DataFrame, params: dict
) -> tuple[pd.DataFrame, dict]:
    """Predictions and metrics of the fine-tuned model on the bio-test genes (T3)."""
    features, _, rows = gene_rows(expression, splits, ("T3",))
    predictions = inference.predict_genes(general_model, features, rows, params["device"])
    return predictions, metrics.score_predictions(predictions, params["metrics"])


def fine_tune_folds(  # noqa: PLR0913 - the fold models, their table, and what fine-tunes them
    first_level_fold_models: FoldModels,
    cv_folds: pd.DataFrame,
    general_model: DEGnext,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    params: dict,
    name: str,
) -> FoldModels:
    """Every fold's first-level model fine-tuned on F1 as ``fine_tune`` does the best fold's.

    The best fold's fine-tuned model is ``general_model``; the other folds are loaded one at a
    time and fine-tuned with the same settings and seed.
    """
    features, labels, _ = gene_rows(expression, splits, ("F1",))
    tuned = {}
    for fold, best in zip(cv_folds["fold"], cv_folds["best"], strict=True):
        if best:
            tuned[fold] = general_model
            continue
        first_level = first_level_fold_models[f"fold_{fold}"]()
        tuned[fold], _ = training.fine_tuned(
            first_level, [(features, labels)], params, [name], f"fine_tune of fold {fold}"
        )
    return _partitions(tuned)


def score_folds_on_t3(
    fine_tuned_fold_models: FoldModels,
    cv_folds: pd.DataFrame,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """Score every fold's fine-tuned model on T3, one row per fold plus their mean.

    Beside the configured metrics, ``release_*`` columns hold the release code's (logit >= 0.5,
    mean over batches), so the report can set both beside Table 2 from one run.
    """
    features, _, rows = gene_rows(expression, splits, ("T3",))
    scores = []
    for fold, best in zip(cv_folds["fold"], cv_folds["best"], strict=True):
        model = fine_tuned_fold_models[f"fold_{fold}"]()
        predictions = inference.predict_genes(model, features, rows, params["device"])
        scores.append(
            {
                "fold": str(fold),
                "best": bool(best),
                **metrics.score_predictions(predictions, params["metrics"]),
                **metrics.release_scores(predictions, params["metrics"]["batch_size"]),
            }
        )
    table = pd.DataFrame(scores)
    mean = table.drop(columns=["fold", "best"]).mean()
    return pd.concat(
        [table, pd.DataFrame([{"fold": "mean", "best": False, **mean.to_dict()}])],
        ignore_index=True,
    )

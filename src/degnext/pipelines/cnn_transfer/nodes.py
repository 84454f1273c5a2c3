"""Transfer learning: train on the train cohorts one after another, fine-tune, predict untrained Q.

Each first-level epoch visits the train cohorts' T1 in configuration order (as the authors' code
does); fine-tuning then does the same over their F1. The network's adaptive pooling lets one model
take cohorts with different numbers of samples.
"""

from __future__ import annotations

import pandas as pd

from degnext import cohorts
from degnext.data.splits import gene_rows
from degnext.errors import DEGnextInputError
from degnext.evaluation import metrics
from degnext.nn import inference, training
from degnext.nn.model import DEGnext, from_published


def require_transfer_cohorts(configured: dict) -> None:
    """Stop a transfer run whose ``cohorts`` lack a train or an untrained cohort, before any work."""
    train, untrained = cohorts.names(configured, "train"), cohorts.names(configured, "untrained")
    if not train or not untrained:
        raise DEGnextInputError(
            "transfer learning needs at least one cohort with role 'train' and one with role "
            f"'untrained' in parameter 'cohorts'; found train={train}, untrained={untrained}"
        )


def _cohort_rows(
    cohort_data: tuple[pd.DataFrame, ...], sets: tuple[str, ...], labels_used: set[int]
):
    """(features, labels) of ``sets`` for each (expression, splits) pair of the train cohorts."""
    datasets = []
    for expression, splits in zip(cohort_data[::2], cohort_data[1::2], strict=True):
        features, labels, _ = gene_rows(expression, splits, sets)
        keep = pd.Series(labels).isin(labels_used).to_numpy()
        datasets.append((features[keep], labels[keep]))
    return datasets


def train_transfer_first_level(
    train: list[str], cnn_transfer: dict, *cohort_data: pd.DataFrame
) -> tuple[DEGnext, pd.DataFrame]:
    """3-class training over every train cohort's T1, cohorts in turn within each epoch."""
    datasets = _cohort_rows(cohort_data, ("T1",), {0, 1, 2})
    model = DEGnext(n_inputs=datasets[0][0].shape[1], n_outputs=3, seed=cnn_transfer["seed"])
    history = training.train_stage(
        model, datasets, cnn_transfer, "first_level", train, "transfer first_level"
    )
    return model, history.assign(stage="first_level")


def fine_tune_transfer(
    train: list[str],
    first_level_model: DEGnext,
    first_level_history: pd.DataFrame,
    cnn_transfer: dict,
    *cohort_data: pd.DataFrame,
) -> tuple[DEGnext, pd.DataFrame]:
    """Binary head, then fine-tuning over every train cohort's F1 in turn."""
    datasets = _cohort_rows(cohort_data, ("F1",), {0, 1})
    model, history = training.fine_tuned(
        first_level_model, datasets, cnn_transfer, train, "transfer fine_tune"
    )
    return model, pd.concat(
        [first_level_history, history.assign(stage="fine_tune")], ignore_index=True
    )


def import_published_model(
    published_weights: dict, first_train_expression: pd.DataFrame
) -> DEGnext:
    """The authors' released transfer model in place of training one.

    Its nominal input length is the first train cohort's sample count, as for a model we train.
    """
    return from_published(
        published_weights, first_train_expression.shape[1], "transfer.published_weights"
    )


def predict_untrained(
    transfer_model: DEGnext, expression: pd.DataFrame, splits: pd.DataFrame, cnn_transfer: dict
) -> tuple[pd.DataFrame, dict]:
    """Predict all of Q (F1 + T3) of a cohort the model never saw, and score it."""
    features, _, rows = gene_rows(expression, splits, ("F1", "T3"))
    predictions = inference.predict_genes(transfer_model, features, rows, cnn_transfer["device"])
    return predictions, metrics.score_predictions(predictions, cnn_transfer["metrics"])

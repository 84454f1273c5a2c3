"""Predict: apply a trained binary checkpoint to every gene row of a cohort."""

from __future__ import annotations

import pandas as pd

from degnext.model import DEGnext
from degnext.predict import predict_calls


def call_genes(
    model: DEGnext, expression: pd.DataFrame, splits: pd.DataFrame, predict: dict
) -> pd.DataFrame:
    """UR/DR call and P(UR) of every gene, beside its symbol, DEA label and split set.

    The model's calls are meant for differentially expressed genes; the table keeps every row so
    that users can filter on ``label`` (0/1 = SDEG) or ``set`` themselves.
    """
    calls = predict_calls(
        model,
        expression,
        device=predict["device"],
        threshold=predict["threshold"],
        decision=predict["decision"],
    ).rename(columns={"gene": "gene_id"})
    known = splits.set_index("gene_id")[["symbol", "label", "set"]]
    table = calls.join(known, on="gene_id")
    return table[["gene_id", "symbol", "label", "set", "p_up", "logit", "call"]]


def calls_table(predicted_calls: pd.DataFrame) -> pd.DataFrame:
    """The calls for a TSV: most confident UR first, most confident DR last (by P(UR))."""
    return predicted_calls.sort_values("p_up", ascending=False, kind="stable", ignore_index=True)

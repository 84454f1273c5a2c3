"""Predict: apply a trained binary checkpoint to every gene row of a cohort."""

from __future__ import annotations

import logging

import pandas as pd

from degnext.nn.inference import predict_calls
from degnext.nn.model import DEGnext

logger = logging.getLogger(__name__)
COLUMNS = ["gene_id", "symbol", "label", "set", "p_up", "logit", "call", "checkpoint", "checkpoint_version"]  # fmt: skip


def call_genes(
    model: DEGnext, expression: pd.DataFrame, splits: pd.DataFrame, predict: dict, name: str
) -> pd.DataFrame:
    """UR/DR call and P(UR) of every gene, beside its symbol, DEA label and split set.

    The model's calls are meant for differentially expressed genes; the table keeps every row so
    that users can filter on ``label`` (0/1 = SDEG) or ``set`` themselves. The checkpoint file
    and version that made the calls are logged and kept in the ``checkpoint`` and
    ``checkpoint_version`` columns, so a table never hides which model wrote it.
    """
    checkpoint = model.loaded_from.get("filepath") or "(model not read from a file)"
    version = model.loaded_from.get("version") or "unversioned"
    source = model.provenance.get("source", "trained by this project")
    logger.info(
        "%s: UR/DR calls for %d genes with checkpoint %s (version %s; %s)",
        name,
        len(expression),
        checkpoint,
        version,
        source,
    )
    calls = predict_calls(
        model,
        expression,
        device=predict["device"],
        threshold=predict["threshold"],
        decision=predict["decision"],
    ).rename(columns={"gene": "gene_id"})
    known = splits.set_index("gene_id")[["symbol", "label", "set"]]
    table = calls.join(known, on="gene_id")
    table = table.assign(checkpoint=checkpoint, checkpoint_version=version)
    return table[COLUMNS]


def calls_table(predicted_calls: pd.DataFrame) -> pd.DataFrame:
    """The calls for a TSV: most confident UR first, most confident DR last (by P(UR))."""
    return predicted_calls.sort_values("p_up", ascending=False, kind="stable", ignore_index=True)

"""Pick the rows of a split set out of a cohort's expression matrix, labels aligned."""

from __future__ import annotations

import numpy as np
import pandas as pd

from degnext.errors import DEGnextInputError


def gene_rows(
    expression: pd.DataFrame, splits: pd.DataFrame, sets: tuple[str, ...], name: str = ""
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Features (float32), labels (int64) and the split rows of ``sets``, in split-table order."""
    rows = splits[splits["set"].isin(sets)].reset_index(drop=True)
    missing = pd.Index(rows["gene_id"]).difference(expression.index)
    if len(missing):
        raise DEGnextInputError(
            f"cohort {name!r}: split genes {list(missing)[:5]} are missing from the expression matrix"
        )
    features = expression.loc[rows["gene_id"]].to_numpy(dtype=np.float32)
    return features, rows["label"].to_numpy(dtype=np.int64), rows

"""The split table of a cohort (T1, T2, F1, T3 and T1's folds) and the rows it picks.

Shared by the splitting pipeline, which draws the table, ingestion of the authors' release, which
adds folds to theirs, and every pipeline that trains or scores on a split set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from degnext.errors import DEGnextInputError

SPLIT_COLUMNS = ["gene_id", "symbol", "label", "set", "fold"]


def require_fold_members(labels: np.ndarray, n_folds: int, name: str) -> None:
    """Fail before cross-validation when a class of T1 has fewer genes than folds."""
    counts = pd.Series(labels).value_counts()
    if len(counts) and counts.min() < n_folds:
        raise DEGnextInputError(
            f"parameter 'splitting.n_folds' is {n_folds} but the smallest class of cohort "
            f"{name!r}'s T1 has {counts.min()} genes (labels: {counts.sort_index().to_dict()}); "
            "use at most that many folds"
        )


def assign_folds(labels: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold id (0..n_folds-1) of every row, stratified by label."""
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    fold = np.empty(len(labels), dtype=int)
    for index, (_, held_out) in enumerate(folds.split(np.zeros(len(labels)), labels)):
        fold[held_out] = index
    return fold


def stratified_split(
    rows: pd.DataFrame, test_fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return train_test_split(
        rows, test_size=test_fraction, stratify=rows["label"], random_state=seed
    )


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

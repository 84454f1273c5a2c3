"""Splitting: P/Q by disease knowledge, then T1/T2 (80:20 of P), F1/T3 (80:20 of Q), folds of T1.

P holds the neutral genes and the SDEGs that no disease knowledge supports; Q ("bio data") holds the
supported SDEGs. Every split is stratified by label and drawn from ``params.seed``.
"""

from __future__ import annotations

import pandas as pd

from degnext.data.splits import SPLIT_COLUMNS, assign_folds, require_fold_members, stratified_split
from degnext.errors import DEGnextInputError


def split_genes(dea_results: pd.DataFrame, params: dict, name: str) -> pd.DataFrame:
    """Assign every labeled gene to T1, T2, F1 or T3, and every T1 gene to one of ``n_folds`` folds."""
    seed, test_fraction, n_folds = params["seed"], params["test_fraction"], params["n_folds"]
    genes = dea_results[["gene_id", "symbol", "label", "bio_validated"]]
    in_q = genes["bio_validated"].to_numpy(bool)
    p_rows, q_rows = genes[~in_q], genes[in_q]
    if q_rows["label"].nunique() < 2 or q_rows["label"].value_counts().min() < 2:
        raise DEGnextInputError(
            f"cohort {name!r}: Q (disease-knowledge SDEGs) needs at least 2 UR and 2 DR genes to split "
            f"into F1/T3, found {q_rows['label'].value_counts().to_dict()}; check "
            f"'cohorts.{name}.disease_genes' and 'labeling.fdr_cutoff'"
        )
    t1, t2 = stratified_split(p_rows, test_fraction, seed)
    f1, t3 = stratified_split(q_rows, test_fraction, seed)
    require_fold_members(t1["label"].to_numpy(), n_folds, name)
    fold = assign_folds(t1["label"].to_numpy(), n_folds, seed)
    parts = [
        t1.assign(set="T1", fold=fold),
        t2.assign(set="T2", fold=-1),
        f1.assign(set="F1", fold=-1),
        t3.assign(set="T3", fold=-1),
    ]
    return pd.concat(parts)[SPLIT_COLUMNS].reset_index(drop=True)

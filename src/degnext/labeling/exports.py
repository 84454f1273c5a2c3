"""Tables shaped the way other tools write them, so R, MultiQC and spreadsheets read our results.

The pipelines read Parquet; these functions shape the text copies saved beside it.
"""

from __future__ import annotations

import pandas as pd

from degnext.labeling.dea import DESEQ2_COLUMNS, EDGER_COLUMNS

LABEL_NAMES = {1: "UR", 0: "DR", 2: "neutral"}


def de_table(dea_results: pd.DataFrame) -> pd.DataFrame:
    """The DE table as edgeR's topTags writes it, or DESeq2's results() when DESeq2 made it.

    Rows go most significant first (topTags' default sort by p-value; genes without a p-value
    last), beside the gene's id, symbol, label (1 UR, 0 DR, 2 neutral, also spelled out in
    ``regulation``) and disease-knowledge flag.
    """
    deseq2_made = set(DESEQ2_COLUMNS) <= set(dea_results.columns)
    statistics = list(DESEQ2_COLUMNS if deseq2_made else EDGER_COLUMNS)
    table = dea_results[["gene_id", "symbol", *statistics, "label", "bio_validated"]]
    table = table.assign(regulation=table["label"].map(LABEL_NAMES))
    p_value = "pvalue" if deseq2_made else "PValue"
    return table.sort_values(p_value, kind="stable", na_position="last", ignore_index=True)


def multiqc_table(table: pd.DataFrame) -> pd.DataFrame:
    """A report table for MultiQC's table plot: one row per dataset, named in the first column."""
    if table.columns[0] != "dataset" or table["dataset"].duplicated().any():
        raise ValueError("a MultiQC table needs one row per dataset, named in its first column")
    return table

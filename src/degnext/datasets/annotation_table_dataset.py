"""``AnnotationTableDataset`` loads one of the gene annotation tables shipped with the package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from kedro.io.core import DatasetError

from degnext.data.annotations import load_gencode, load_gene_info
from degnext.datasets.input_dataset import InputDataset

# table -> its loader (src/degnext/annotations/README.md describes the files)
TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "gencode_genes": load_gencode,
    "gene_length_gc": load_gene_info,
}


class AnnotationTableDataset(InputDataset[pd.DataFrame]):
    """Loads a packaged annotation table (a copy: nodes may change it).

    ``gencode_genes``: GENCODE v36 genes (gene_id, gene_name, gene_type, hgnc_id), which
    synthetic cohorts draw from and labeling maps to HGNC symbols with; ``gene_length_gc``:
    TCGAbiolinks' gene length and GC content by Ensembl id, for the within-lane normalization.

    Examples:
        In ``catalog.yml``:

        ```yaml
        gencode_genes:
          type: degnext.datasets.AnnotationTableDataset
          table: gencode_genes
        ```
    """

    def __init__(self, *, table: str, metadata: dict[str, Any] | None = None) -> None:
        """Creates a new ``AnnotationTableDataset``.

        Args:
            table: ``gencode_genes`` or ``gene_length_gc``.
            metadata: Free-form metadata, ignored by Kedro.
        """
        if table not in TABLES:
            raise DatasetError(
                f"AnnotationTableDataset: unknown table {table!r}; use one of {sorted(TABLES)}"
            )
        self._table = table
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"table": self._table}

    def load(self) -> pd.DataFrame:
        return TABLES[self._table]()

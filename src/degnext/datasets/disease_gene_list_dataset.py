"""``DiseaseGeneListDataset`` loads a cohort's disease-knowledge genes (which define Q)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from degnext.data.gene_sets import read_gene_list
from degnext.datasets.input_dataset import InputDataset
from degnext.errors import DEGnextInputError

OPT_OUT = "none"


class DiseaseGeneListDataset(InputDataset[pd.DataFrame]):
    """Loads a ``symbol`` table of disease-knowledge genes, sorted and unique.

    ``filepath`` is a list file (one symbol per line; of a CSV/TSV, the first column; a header
    word is skipped), or ``library.gmt::SET_NAME`` for one set of a GMT file, or ``none`` to opt
    out: the table is then empty, every SDEG stays in P and Q is empty. A run builds one per
    cohort from ``cohorts.<C>.disease_genes`` (``degnext.input_datasets``); ``cohort`` names that
    parameter in errors.

    Examples:
        In ``catalog.yml``:

        ```yaml
        BRCA.disease_gene_list:
          type: degnext.datasets.DiseaseGeneListDataset
          filepath: knowledge/BRCA.txt   # or library.gmt::SET_NAME, or none
        ```
    """

    def __init__(
        self,
        *,
        filepath: str | None = None,
        cohort: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``DiseaseGeneListDataset``.

        Args:
            filepath: A list file, ``file.gmt::SET_NAME``, or ``none``.
            cohort: The cohort's name, for errors that name its parameter.
            metadata: Free-form metadata, ignored by Kedro.
        """
        self._filepath = None if filepath is None else str(filepath)
        self._cohort = cohort
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "cohort": self._cohort}

    def _parameter(self) -> str:
        if self._cohort is None:
            return "DiseaseGeneListDataset filepath"
        return f"parameter 'cohorts.{self._cohort}.disease_genes'"

    def _opted_out(self) -> bool:
        return self._filepath is not None and self._filepath.lower() == OPT_OUT

    def check(self) -> None:
        if self._filepath is None:
            raise DEGnextInputError(
                f"{self._parameter()} is missing: give a gene list file (one symbol per line), "
                "a GMT set as 'file.gmt::SET', or 'none' to opt out"
            )
        path = Path(self._filepath.partition("::")[0])
        if not self._opted_out() and not path.is_file():
            raise DEGnextInputError(f"{self._parameter()}: no file {path}")

    def load(self) -> pd.DataFrame:
        self.check()
        if self._opted_out():
            return pd.DataFrame({"symbol": pd.Series(dtype=str)})
        path, _, set_name = self._filepath.partition("::")
        return pd.DataFrame({"symbol": read_gene_list(path, set_name)})

"""``PaperTableDataset`` loads one of the paper's tables, which the report shows beside ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from degnext.datasets.input_dataset import InputDataset

EMPTY_COLUMNS = ["dataset", "accuracy"]


class PaperTableDataset(InputDataset[pd.DataFrame]):
    """Loads a CSV of the paper's results (one row per dataset); no rows where the file is absent.

    A run without the paper's tables still gets its report, which then says they were not
    found. A run builds ``reporting.paper_table_2`` and ``_3`` from the folder of the parameter
    ``reporting.paper_tables`` (``degnext.input_datasets``).

    Examples:
        In ``catalog.yml``:

        ```yaml
        reporting.paper_table_2:
          type: degnext.datasets.PaperTableDataset
          filepath: ../shared/data/paper_tables/table2_general_learning_T3.csv
        ```
    """

    def __init__(
        self, *, filepath: str | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        """Creates a new ``PaperTableDataset``.

        Args:
            filepath: The table's CSV file; ``None`` (no folder configured) loads no rows.
            metadata: Free-form metadata, ignored by Kedro.
        """
        self._filepath = None if filepath is None else str(filepath)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath}

    def load(self) -> pd.DataFrame:
        if self._filepath is None or not Path(self._filepath).is_file():
            return pd.DataFrame(columns=EMPTY_COLUMNS)
        return pd.read_csv(self._filepath)

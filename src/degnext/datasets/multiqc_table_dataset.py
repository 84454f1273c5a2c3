"""``MultiqcTableDataset`` writes a table as MultiQC custom content (``*_mqc.tsv``).

MultiQC picks up any file named ``*_mqc.tsv`` and reads its section title, description and plot
type from YAML in the leading ``#`` comment lines, so a DEGnext table shows up beside the rest of
a project's QC without any MultiQC configuration.
"""

from __future__ import annotations

import io
import os
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
import pandas as pd
import yaml
from kedro.io.core import AbstractDataset, DatasetError, get_protocol_and_path


class MultiqcTableDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """A DataFrame saved as a MultiQC custom-content TSV with its YAML header; loads it back.

    The first column names the rows (MultiQC's "samples"). ``header`` needs an ``id`` and a
    ``section_name``; ``plot_type: table``, ``format: tsv`` and a table id are filled in.

    Examples:
        In ``catalog.yml``:

        ```yaml
        multiqc.transfer_table:
          type: degnext.datasets.MultiqcTableDataset
          filepath: data/08_reporting/multiqc/degnext_transfer_learning_mqc.tsv
          header:
            id: degnext_transfer_learning
            section_name: "DEGnext: transfer learning (Q)"
            description: "The transfer model on Q of each untrained cohort (%)."
        ```
    """

    def __init__(
        self,
        *,
        filepath: str | os.PathLike,
        header: dict[str, Any],
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``MultiqcTableDataset``.

        Args:
            filepath: Path of the file (its name must end in ``_mqc.tsv`` for MultiQC to find
                it), optionally prefixed with an fsspec protocol.
            header: MultiQC custom-content settings written as the file's YAML header.
            credentials: Credentials of the underlying filesystem.
            fs_args: Arguments for the fsspec filesystem constructor.
            metadata: Free-form metadata, ignored by Kedro.
        """
        if not str(filepath).endswith("_mqc.tsv"):
            raise DatasetError(
                f"{filepath}: MultiQC only finds custom-content files named *_mqc.tsv"
            )
        missing = {"id", "section_name"} - set(header)
        if missing:
            raise DatasetError(f"{filepath}: header lacks {', '.join(sorted(missing))}")
        protocol, path = get_protocol_and_path(str(filepath))
        self._protocol = protocol
        self._filepath = PurePosixPath(path)
        self._fs = fsspec.filesystem(
            protocol, **(deepcopy(credentials) or {}), **(deepcopy(fs_args) or {})
        )
        defaults = {
            "plot_type": "table",
            "format": "tsv",
            "pconfig": {"id": f"{header['id']}_table", "title": header["section_name"]},
        }
        self._header = {**header, **{k: v for k, v in defaults.items() if k not in header}}
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol, "header": self._header}

    def save(self, data: pd.DataFrame) -> None:
        header = yaml.safe_dump(self._header, sort_keys=False, allow_unicode=True)
        text = "".join(f"# {line}\n" for line in header.splitlines())
        text += data.to_csv(sep="\t", index=False, na_rep="NA")
        self._fs.makedirs(str(self._filepath.parent), exist_ok=True)
        with self._fs.open(str(self._filepath), "w") as handle:
            handle.write(text)

    def load(self) -> pd.DataFrame:
        with self._fs.open(str(self._filepath), "r") as handle:
            lines = [line for line in handle if not line.startswith("#")]
        return pd.read_csv(io.StringIO("".join(lines)), sep="\t")

    def _exists(self) -> bool:
        return self._fs.exists(str(self._filepath))

"""``PNGDataset`` saves a matplotlib figure as a PNG file and loads it back as PNG bytes.

Kedro's ``MatplotlibDataset`` only writes; the report needs to read the figures the run saved, so
that the page shows exactly the files on disk instead of drawing them a second time.
"""

from __future__ import annotations

import io
import os
from copy import deepcopy
from typing import Any

from kedro.io.core import DatasetError
from matplotlib.figure import Figure

from degnext.datasets.file_dataset import FileDataset

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PNGDataset(FileDataset[Figure | bytes, bytes]):
    """Saves a ``Figure`` (or PNG bytes) to a PNG file, atomically; loads the file's bytes.

    Examples:
        In ``catalog.yml``:

        ```yaml
        reporting.roc_figure:
          type: degnext.datasets.PNGDataset
          filepath: data/08_reporting/roc_general_learning.png
          save_args: {dpi: 120, bbox_inches: tight}
        ```
    """

    def __init__(
        self,
        *,
        filepath: str | os.PathLike,
        save_args: dict[str, Any] | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``PNGDataset``.

        Args:
            filepath: Path of the PNG, optionally prefixed with an fsspec protocol.
            save_args: Arguments for ``Figure.savefig`` (e.g. ``dpi``, ``bbox_inches``).
            credentials: Credentials of the underlying filesystem.
            fs_args: Arguments for the fsspec filesystem constructor.
            metadata: Free-form metadata, ignored by Kedro.
        """
        super().__init__(
            filepath=filepath, credentials=credentials, fs_args=fs_args, metadata=metadata
        )
        self._save_args = deepcopy(save_args) or {}

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "save_args": self._save_args,
        }

    def load(self) -> bytes:
        return self._read_bytes()[0]

    def save(self, data: Figure | bytes) -> None:
        if isinstance(data, Figure):
            buffer = io.BytesIO()
            data.savefig(buffer, format="png", **self._save_args)
            data = buffer.getvalue()
        if not isinstance(data, bytes) or not data.startswith(PNG_SIGNATURE):
            raise DatasetError(
                f"PNGDataset saves a matplotlib Figure or PNG bytes, got {type(data)}"
            )
        self._write_bytes(data, "figure")

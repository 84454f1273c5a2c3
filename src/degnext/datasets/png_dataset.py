"""``PNGDataset`` saves a matplotlib figure as a PNG file and loads it back as PNG bytes.

Kedro's ``MatplotlibDataset`` only writes; the report needs to read the figures the run saved, so
that the page shows exactly the files on disk instead of drawing them a second time.
"""

from __future__ import annotations

import io
import os
import uuid
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io.core import AbstractDataset, DatasetError, get_filepath_str, get_protocol_and_path
from matplotlib.figure import Figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PNGDataset(AbstractDataset[Figure | bytes, bytes]):
    """Saves a ``Figure`` (or PNG bytes) to a PNG file; loads the file's bytes.

    Saving writes a temporary file beside the target and renames it, so a reader never sees a
    half-written image.

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
        protocol, path = get_protocol_and_path(str(filepath))
        _fs_args = deepcopy(fs_args) or {}
        if protocol == "file":
            _fs_args.setdefault("auto_mkdir", True)
        self._protocol = protocol
        self._filepath = PurePosixPath(path)
        self._fs = fsspec.filesystem(protocol, **(deepcopy(credentials) or {}), **_fs_args)
        self._save_args = deepcopy(save_args) or {}
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "save_args": self._save_args,
        }

    def load(self) -> bytes:
        with self._fs.open(get_filepath_str(self._filepath, self._protocol), "rb") as f:
            return f.read()

    def save(self, data: Figure | bytes) -> None:
        if isinstance(data, Figure):
            buffer = io.BytesIO()
            data.savefig(buffer, format="png", **self._save_args)
            data = buffer.getvalue()
        if not isinstance(data, bytes) or not data.startswith(PNG_SIGNATURE):
            raise DatasetError(
                f"PNGDataset saves a matplotlib Figure or PNG bytes, got {type(data)}"
            )
        path = get_filepath_str(self._filepath, self._protocol)
        tmp_path = f"{path}.tmp-{uuid.uuid4().hex}"
        try:
            with self._fs.open(tmp_path, "wb") as f:
                f.write(data)
            self._fs.mv(tmp_path, path)
        except Exception as exc:
            if self._fs.exists(tmp_path):
                self._fs.rm(tmp_path)
            raise DatasetError(f"could not write {path}: {exc}") from exc
        self._fs.invalidate_cache(path)

    def _exists(self) -> bool:
        return self._fs.exists(get_filepath_str(self._filepath, self._protocol))

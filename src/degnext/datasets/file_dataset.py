"""``FileDataset``: what the project's single-file model datasets share.

An fsspec filesystem (local, ``s3://``, ...), Kedro versioning, and atomic writes
(``degnext.datasets.atomic``: a temporary file beside the target, flushed and renamed into place),
so a crash never leaves a half-written file and the next save removes what a killed one left.
Subclasses only turn their object into bytes and back.
"""

from __future__ import annotations

import os
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any, TypeVar

import fsspec
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)

from degnext.datasets.atomic import write_atomically

_DI = TypeVar("_DI")
_DO = TypeVar("_DO")


class FileDataset(AbstractVersionedDataset[_DI, _DO]):
    """Versioned file on any fsspec filesystem, read and written whole as bytes."""

    def __init__(
        self,
        *,
        filepath: str | os.PathLike,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _fs_args = deepcopy(fs_args) or {}
        protocol, path = get_protocol_and_path(str(filepath), version)
        if protocol == "file":
            _fs_args.setdefault("auto_mkdir", True)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol, **(deepcopy(credentials) or {}), **_fs_args)
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def _read_bytes(self) -> tuple[bytes, str]:
        """The file's bytes and the path they came from (the version to load)."""
        load_path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(load_path, "rb") as f:
            return f.read(), load_path

    def _write_bytes(self, payload: bytes, what: str) -> None:
        """Write ``payload`` atomically onto the version to save."""
        save_path = str(self._get_save_path())  # fsspec paths carry no protocol

        def write(temporary: str) -> None:
            with self._fs.open(temporary, "wb") as f:
                f.write(payload)

        try:
            write_atomically(self._fs, save_path, write, versioned=bool(self._version))
        except OSError as exc:
            raise DatasetError(f"could not write {what} {save_path}: {exc}") from exc
        self._invalidate_cache()

    def _exists(self) -> bool:
        try:
            load_path = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(load_path)

    def _release(self) -> None:
        super()._release()
        self._invalidate_cache()

    def _invalidate_cache(self) -> None:
        self._fs.invalidate_cache(get_filepath_str(self._filepath, self._protocol))

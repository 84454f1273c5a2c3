"""``CheckpointDataset`` saves/loads a DEGnext network as a self-describing torch checkpoint.

The file holds the weights plus what is needed to rebuild the network (input length, head),
its training provenance and the library versions that wrote it, so a model is a plain catalog
entry that can be versioned like any other.
"""

from __future__ import annotations

import io
import os
import platform
import uuid
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
import torch
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)

import degnext
from degnext.model import Checkpoint, DEGnext, from_checkpoint, to_checkpoint

FORMAT = "degnext-checkpoint/1"


class CheckpointDataset(AbstractVersionedDataset[DEGnext, DEGnext]):
    """Loads/saves a ``DEGnext`` model from/to a torch checkpoint on any fsspec filesystem.

    Saving writes a temporary file beside the target and renames it, so a crash never leaves a
    half-written checkpoint. Loading rebuilds the network on CPU and loads the weights strictly.

    Examples:
        In ``catalog.yml``:

        ```yaml
        "{cancer}.cnn_model":
          type: degnext.datasets.CheckpointDataset
          filepath: data/06_models/{cancer}/degnext.pt
          versioned: true
        ```

        With the Python API:

        >>> from degnext.model import DEGnext
        >>> ds = CheckpointDataset(filepath=str(tmp_path / "model.pt"))
        >>> ds.save(DEGnext(45))
        >>> ds.load().config.n_inputs
        45
    """

    DEFAULT_LOAD_ARGS: dict[str, Any] = {"map_location": "cpu", "weights_only": True}
    DEFAULT_SAVE_ARGS: dict[str, Any] = {}

    def __init__(  # noqa: PLR0913
        self,
        *,
        filepath: str | os.PathLike,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``CheckpointDataset``.

        Args:
            filepath: Path to the checkpoint, optionally prefixed with an fsspec protocol
                (``s3://``, ``gcs://``); no prefix means the local filesystem.
            load_args: Extra arguments for ``torch.load`` (defaults: ``map_location="cpu"``,
                ``weights_only=True``).
            save_args: Extra arguments for ``torch.save``.
            version: Kedro ``Version``; ``load=None`` loads the latest, ``save=None`` makes one.
            credentials: Credentials of the underlying filesystem.
            fs_args: Arguments for the fsspec filesystem constructor.
            metadata: Free-form metadata, ignored by Kedro.
        """
        _fs_args = deepcopy(fs_args) or {}
        protocol, path = get_protocol_and_path(filepath, version)
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
        self._load_args = {**self.DEFAULT_LOAD_ARGS, **(load_args or {})}
        self._save_args = {**self.DEFAULT_SAVE_ARGS, **(save_args or {})}

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "load_args": self._load_args,
            "save_args": self._save_args,
            "version": self._version,
        }

    def load(self) -> DEGnext:
        load_path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(load_path, "rb") as f:
            payload = torch.load(f, **self._load_args)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise DatasetError(f"{load_path} is not a {FORMAT} file")
        model = from_checkpoint(
            Checkpoint(payload["config"], payload["state_dict"], payload.get("provenance", {}))
        )
        model.loaded_from = {"filepath": load_path, "version": self.resolve_load_version()}
        return model

    def save(self, data: DEGnext) -> None:
        if not isinstance(data, DEGnext):
            raise DatasetError(
                f"CheckpointDataset saves a DEGnext model, got {type(data).__name__}"
            )
        ckpt = to_checkpoint(data)
        payload = {
            "format": FORMAT,
            "config": ckpt.config,
            "state_dict": ckpt.state_dict,
            "provenance": ckpt.provenance,
            "versions": {
                "torch": str(torch.__version__),
                "degnext": degnext.__version__,
                "python": platform.python_version(),
            },
        }
        buffer = io.BytesIO()
        torch.save(payload, buffer, **self._save_args)
        save_path = get_filepath_str(self._get_save_path(), self._protocol)
        tmp_path = f"{save_path}.tmp-{uuid.uuid4().hex}"
        try:
            with self._fs.open(tmp_path, "wb") as f:
                f.write(buffer.getvalue())
            self._fs.mv(tmp_path, save_path)
        except Exception as exc:
            if self._fs.exists(tmp_path):
                self._fs.rm(tmp_path)
            raise DatasetError(f"could not write checkpoint {save_path}: {exc}") from exc
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

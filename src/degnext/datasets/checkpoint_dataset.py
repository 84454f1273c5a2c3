"""``CheckpointDataset`` saves/loads a DEGnext network as a self-describing torch checkpoint.

The file holds the weights plus what is needed to rebuild the network (input length, head),
its training provenance and the library versions that wrote it, so a model is a plain catalog
entry that can be versioned like any other.
"""

from __future__ import annotations

import io
import os
import platform
from typing import Any

import torch
from kedro.io.core import DatasetError, Version

import degnext
from degnext.datasets.file_dataset import FileDataset
from degnext.nn.model import Checkpoint, DEGnext, from_checkpoint, load_tensors, to_checkpoint

FORMAT = "degnext-checkpoint/1"


class CheckpointDataset(FileDataset[DEGnext, DEGnext]):
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

        >>> from degnext.nn.model import DEGnext
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
            load_args: Extra arguments for ``torch.load`` (default ``map_location="cpu"``);
                ``weights_only`` is always True, so loading a checkpoint never runs code.
            save_args: Extra arguments for ``torch.save``.
            version: Kedro ``Version``; ``load=None`` loads the latest, ``save=None`` makes one.
            credentials: Credentials of the underlying filesystem.
            fs_args: Arguments for the fsspec filesystem constructor.
            metadata: Free-form metadata, ignored by Kedro.
        """
        super().__init__(
            filepath=filepath,
            version=version,
            credentials=credentials,
            fs_args=fs_args,
            metadata=metadata,
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
        data, load_path = self._read_bytes()
        payload = load_tensors(io.BytesIO(data), load_path, **self._load_args)
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
        self._write_bytes(buffer.getvalue(), "checkpoint")

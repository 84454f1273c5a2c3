"""``StateDictDataset`` reads a bare PyTorch state_dict, such as the authors' released weights.

The DEGnext authors published their transfer model as ``torch.save(model.state_dict())``: weights
only, no description of the network. This read-only dataset hands those tensors to a node, which
builds the network (``degnext.nn.model.from_published``); the node's output is then saved through
``CheckpointDataset`` like any model we train, so lineage shows where it came from.
"""

from __future__ import annotations

import os
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
import torch
from kedro.io.core import AbstractDataset, DatasetError, get_protocol_and_path

from degnext.nn.model import load_tensors


class StateDictDataset(AbstractDataset[dict[str, torch.Tensor], dict[str, torch.Tensor]]):
    """Loads a ``{name: tensor}`` state_dict from a torch file on any fsspec filesystem.

    Loading uses ``weights_only=True`` (no arbitrary code runs) and maps tensors to CPU.
    Saving is refused: published weights are an input, never overwritten.

    Examples:
        In ``catalog.yml``:

        ```yaml
        transfer.published_weights:
          type: degnext.datasets.StateDictDataset
          filepath: ../shared/data/degnext_release/pretrained/DEGnextModel_transfer.pth
        ```
    """

    def __init__(
        self,
        *,
        filepath: str | os.PathLike,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``StateDictDataset``.

        Args:
            filepath: Path to the file, optionally prefixed with an fsspec protocol.
            credentials: Credentials of the underlying filesystem.
            fs_args: Arguments for the fsspec filesystem constructor.
            metadata: Free-form metadata, ignored by Kedro.
        """
        protocol, path = get_protocol_and_path(str(filepath))
        self._protocol = protocol
        self._filepath = PurePosixPath(path)
        self._fs = fsspec.filesystem(
            protocol, **(deepcopy(credentials) or {}), **(deepcopy(fs_args) or {})
        )
        self.metadata = metadata

    @property
    def filepath(self) -> str:
        """Where the weights are read from (named in the report's header)."""
        return (
            str(self._filepath)
            if self._protocol == "file"
            else f"{self._protocol}://{self._filepath}"
        )

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol}

    def load(self) -> dict[str, torch.Tensor]:
        path = str(self._filepath)
        if not self._fs.exists(path):
            raise DatasetError(
                f"state_dict file not found: {path} (set its path with "
                "--params published_weights=<file>)"
            )
        with self._fs.open(path, "rb") as f:
            state = load_tensors(f, path)
        if not isinstance(state, dict) or not all(
            isinstance(v, torch.Tensor) for v in state.values()
        ):
            raise DatasetError(f"{path} does not hold a state_dict (a mapping of names to tensors)")
        return state

    def save(self, data: dict[str, torch.Tensor]) -> None:
        raise DatasetError(f"StateDictDataset is read-only; refusing to write {self._filepath}")

    def _exists(self) -> bool:
        return self._fs.exists(str(self._filepath))

"""Kedro datasets of the DEGnext project."""

from degnext.datasets.checkpoint_dataset import CheckpointDataset
from degnext.datasets.png_dataset import PNGDataset
from degnext.datasets.state_dict_dataset import StateDictDataset

__all__ = ["CheckpointDataset", "PNGDataset", "StateDictDataset"]

"""Kedro datasets of the DEGnext project."""

from degnext.datasets.checkpoint_dataset import CheckpointDataset
from degnext.datasets.multiqc_table_dataset import MultiqcTableDataset
from degnext.datasets.skops_dataset import SkopsDataset
from degnext.datasets.state_dict_dataset import StateDictDataset

__all__ = ["CheckpointDataset", "MultiqcTableDataset", "SkopsDataset", "StateDictDataset"]

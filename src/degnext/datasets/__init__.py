"""Kedro datasets of the DEGnext project; every file dataset saves atomically."""

from degnext.datasets.checkpoint_dataset import CheckpointDataset
from degnext.datasets.file_datasets import (
    CSVDataset,
    JSONDataset,
    MatplotlibDataset,
    ParquetDataset,
    PartitionedDataset,
    TextDataset,
)
from degnext.datasets.multiqc_table_dataset import MultiqcTableDataset
from degnext.datasets.png_dataset import PNGDataset
from degnext.datasets.skops_dataset import SkopsDataset
from degnext.datasets.state_dict_dataset import StateDictDataset

__all__ = [
    "CSVDataset",
    "CheckpointDataset",
    "JSONDataset",
    "MatplotlibDataset",
    "MultiqcTableDataset",
    "PNGDataset",
    "ParquetDataset",
    "PartitionedDataset",
    "SkopsDataset",
    "StateDictDataset",
    "TextDataset",
]

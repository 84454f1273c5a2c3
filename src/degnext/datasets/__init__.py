"""Kedro datasets of the DEGnext project."""

from degnext.datasets.checkpoint_dataset import CheckpointDataset

__all__ = ["CheckpointDataset"]

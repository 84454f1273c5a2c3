"""The cnn_transfer pipeline."""

from degnext.pipelines.cnn_transfer.pipeline import create_pipeline

__all__ = ["create_pipeline"]

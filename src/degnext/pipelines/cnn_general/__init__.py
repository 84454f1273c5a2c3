"""The cnn_general pipeline."""

from degnext.pipelines.cnn_general.pipeline import create_pipeline

__all__ = ["create_pipeline"]

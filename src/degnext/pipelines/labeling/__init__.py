"""The labeling pipeline."""

from degnext.pipelines.labeling.pipeline import create_pipeline

__all__ = ["create_pipeline"]

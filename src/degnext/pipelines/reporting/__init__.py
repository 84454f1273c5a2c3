"""The reporting pipeline."""

from degnext.pipelines.reporting.pipeline import create_pipeline

__all__ = ["create_pipeline"]

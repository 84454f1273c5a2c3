"""The ingestion pipeline."""

from degnext.pipelines.ingestion.pipeline import create_pipeline

__all__ = ["create_pipeline"]

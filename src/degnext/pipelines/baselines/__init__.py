"""The baselines pipeline."""

from degnext.pipelines.baselines.pipeline import create_pipeline

__all__ = ["create_pipeline"]

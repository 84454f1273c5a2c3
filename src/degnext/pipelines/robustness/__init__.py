"""The robustness pipeline."""

from degnext.pipelines.robustness.pipeline import create_pipeline

__all__ = ["create_pipeline"]

"""The splitting pipeline."""

from degnext.pipelines.splitting.pipeline import create_pipeline

__all__ = ["create_pipeline"]

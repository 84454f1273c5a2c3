"""The multiqc pipeline."""

from degnext.pipelines.multiqc.pipeline import create_pipeline

__all__ = ["create_pipeline"]

"""Ingestion: one namespaced node per cohort; released splits skip labeling and splitting."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.ingestion.nodes import (
    generate_synthetic_cohort,
    ingest_cohort,
    ingest_gdc_cohort,
    ingest_release,
)

RAW = ["raw_counts", "samples", "genes", "disease_genes"]


def create_pipeline(
    cohorts: list[str],
    released: list[str] = (),
    gdc: list[str] = (),
    synthetic: list[str] = (),
    **kwargs,
) -> Pipeline:
    """``synthetic`` cohorts (among ``cohorts``) are generated; ``gdc`` ones also save their GDC
    manifest and data release; the others read their ``cohort_source``."""
    raw = [
        per_cohort(
            _synthetic_template() if name in synthetic else _source_template(name in gdc), name
        )
        for name in cohorts
    ]
    splits = [per_cohort(_release_template(), name) for name in released]
    return Pipeline(raw + splits)


def _source_template(gdc: bool) -> Pipeline:
    ingest, provenance = (
        (ingest_gdc_cohort, ["gdc_manifest", "gdc_release"]) if gdc else (ingest_cohort, [])
    )
    return Pipeline(
        [
            node(
                ingest,
                inputs=["disease_gene_list", "cohort_source", "params:cohort_name"],
                outputs=[*RAW, *provenance],
                name="ingest_cohort",
            )
        ]
    )


def _synthetic_template() -> Pipeline:
    return Pipeline(
        [
            node(
                generate_synthetic_cohort,
                inputs=[
                    "params:cohort",
                    "params:ingestion",
                    "gencode_genes",
                    "gene_length_gc",
                    "params:cohort_name",
                ],
                outputs=RAW,
                name="ingest_cohort",
            )
        ]
    )


def _release_template() -> Pipeline:
    return Pipeline(
        [
            node(
                ingest_release,
                inputs=[
                    "release_cohort",
                    "params:cohort",
                    "params:ingestion",
                    "params:splitting",
                    "params:cohort_name",
                ],
                outputs=["expression", "splits", "samples"],
                name="ingest_release",
            )
        ]
    )

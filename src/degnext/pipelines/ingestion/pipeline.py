"""Ingestion: one namespaced node per cohort; released splits skip labeling and splitting."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.ingestion.nodes import ingest_cohort, ingest_gdc_cohort, ingest_release


def create_pipeline(
    cohorts: list[str], released: list[str] = (), gdc: list[str] = (), **kwargs
) -> Pipeline:
    """``gdc`` cohorts (among ``cohorts``) also save their GDC manifest and data release."""
    raw = [per_cohort(_raw_template(name in gdc), name) for name in cohorts]
    splits = [
        per_cohort(_release_template(), name) for name in released
    ]
    return Pipeline(raw + splits)


def _raw_template(gdc: bool) -> Pipeline:
    ingest, provenance = (
        (ingest_gdc_cohort, ["gdc_manifest", "gdc_release"]) if gdc else (ingest_cohort, [])
    )
    return Pipeline(
        [
            node(
                ingest,
                inputs=["params:cohort", "params:ingestion", "params:cohort_name"],
                outputs=["raw_counts", "samples", "genes", "disease_genes", *provenance],
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

"""Ingestion: one namespaced node per cohort."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import named, per_cohort
from degnext.pipelines.ingestion.nodes import ingest_cohort


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(name), name, ("ingestion",)) for name in cohorts])


def _template(name: str) -> Pipeline:
    return Pipeline(
        [
            node(
                named(ingest_cohort, name),
                inputs=["params:cohort", "params:ingestion"],
                outputs=["raw_counts", "samples", "genes", "disease_genes"],
                name="ingest_cohort",
            )
        ]
    )

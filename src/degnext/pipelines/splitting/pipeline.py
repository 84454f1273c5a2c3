"""Splitting: per cohort, DEA table -> split table (gene_id, symbol, label, set, fold)."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.splitting.nodes import split_genes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(), name) for name in cohorts])


def _template() -> Pipeline:
    return Pipeline(
        [
            node(
                split_genes,
                inputs=["dea_results", "params:splitting", "params:cohort_name"],
                outputs="splits",
                name="split_genes",
            )
        ]
    )

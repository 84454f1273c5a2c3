"""Splitting: per cohort, DEA table -> split table (gene_id, symbol, label, set, fold)."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import named, per_cohort
from degnext.pipelines.splitting.nodes import split_genes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(name), name, ("splitting",)) for name in cohorts])


def _template(name: str) -> Pipeline:
    return Pipeline(
        [
            node(
                named(split_genes, name),
                inputs=["dea_results", "params:cohort", "params:splitting"],
                outputs="splits",
                name="split_genes",
            )
        ]
    )

"""Labeling: per cohort, counts -> normalized, filtered matrix -> DEA table with labels."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import named, per_cohort
from degnext.pipelines.labeling import nodes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(name), name, ("labeling",)) for name in cohorts])


def _template(name: str) -> Pipeline:
    params = ["params:cohort", "params:labeling"]
    return Pipeline(
        [
            node(
                named(nodes.drop_outlier_samples, name),
                inputs=["raw_counts", "samples", *params],
                outputs=["kept_counts", "outlier_report"],
                name="drop_outlier_samples",
            ),
            node(
                nodes.map_gene_symbols,
                inputs=["kept_counts", "genes", *params],
                outputs=["mapped_counts", "gene_symbols"],
                name="map_gene_symbols",
            ),
            node(
                nodes.normalize_counts,
                ["mapped_counts", *params],
                "normalized_counts",
                name="normalize_counts",
            ),
            node(
                nodes.filter_genes,
                ["normalized_counts", *params],
                "filtered_counts",
                name="filter_genes",
            ),
            node(
                named(nodes.differential_expression, name),
                inputs=["filtered_counts", "samples", "gene_symbols", "disease_genes", *params],
                outputs="dea_results",
                name="differential_expression",
            ),
            node(
                nodes.build_features,
                ["filtered_counts", "samples"],
                "expression",
                name="build_features",
            ),
        ]
    )

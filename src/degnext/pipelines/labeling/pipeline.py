"""Labeling: per cohort, counts -> normalized, filtered matrix -> DEA table with labels."""

from kedro.pipeline import Pipeline, node

from degnext.labeling import exports
from degnext.pipelines import per_cohort
from degnext.pipelines.labeling import nodes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(), name) for name in cohorts])


def _template() -> Pipeline:
    return Pipeline(
        [
            node(
                nodes.drop_outlier_samples,
                inputs=["raw_counts", "samples", "params:labeling", "params:cohort_name"],
                outputs=["kept_counts", "outlier_report"],
                name="drop_outlier_samples",
            ),
            node(
                nodes.map_gene_symbols,
                inputs=["kept_counts", "genes", "gencode_genes", "params:labeling"],
                outputs=["mapped_counts", "gene_symbols"],
                name="map_gene_symbols",
            ),
            node(
                nodes.normalize_counts,
                ["mapped_counts", "gene_length_gc", "params:labeling"],
                "normalized_counts",
                name="normalize_counts",
            ),
            node(
                nodes.filter_genes,
                ["normalized_counts", "params:labeling"],
                "filtered_counts",
                name="filter_genes",
            ),
            node(
                nodes.differential_expression,
                inputs=[
                    "filtered_counts",
                    "samples",
                    "gene_symbols",
                    "disease_genes",
                    "params:labeling",
                    "params:cohort_name",
                ],
                outputs="dea_results",
                name="differential_expression",
            ),
            node(exports.de_table, "dea_results", "dea_results_tsv", name="de_table"),
            node(
                nodes.build_features,
                ["filtered_counts", "samples"],
                "expression",
                name="build_features",
            ),
        ]
    )

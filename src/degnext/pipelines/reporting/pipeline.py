"""Reporting: gather every cohort's outputs into the paper's tables, figures and one HTML report."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import bind_names
from degnext.pipelines.reporting import nodes


def create_pipeline(
    cohorts: list[str], untrained: list[str], gdc: list[str] = (), **kwargs
) -> Pipeline:
    def each(dataset: str, names: list[str] = cohorts) -> list[str]:
        return [f"{name}.{dataset}" for name in names]

    predicted = list(dict.fromkeys(cohorts + untrained))
    return Pipeline(
        [
            node(
                bind_names(nodes.metrics_table, cohorts),
                each("general_metrics"),
                "reporting.general_table",
                name="general_table",
            ),
            node(
                bind_names(nodes.fold_mean_table, cohorts),
                each("t3_fold_metrics"),
                "reporting.general_fold_mean_table",
                name="general_fold_mean_table",
            ),
            node(
                bind_names(nodes.metrics_table, untrained),
                each("transfer_metrics", untrained),
                "reporting.transfer_table",
                name="transfer_table",
            ),
            node(
                bind_names(nodes.baseline_table, cohorts),
                each("baseline_metrics") + each("general_metrics"),
                "reporting.baseline_table",
                name="baseline_table",
            ),
            node(
                bind_names(nodes.baseline_table, untrained),
                each("transfer_baseline_metrics", untrained) + each("transfer_metrics", untrained),
                "reporting.transfer_baseline_table",
                name="transfer_baseline_table",
            ),
            node(
                bind_names(nodes.robustness_table, cohorts),
                each("robustness"),
                "reporting.robustness_table",
                name="robustness_table",
            ),
            node(
                bind_names(nodes.predicted_genes, cohorts, untrained),
                each("general_predictions") + each("transfer_predictions", untrained),
                "reporting.predicted_genes",
                name="predicted_genes",
            ),
            node(
                nodes.general_roc_figure,
                "reporting.predicted_genes",
                "reporting.roc_figure",
                name="roc_figure",
            ),
            node(
                nodes.transfer_roc_figure,
                "reporting.predicted_genes",
                "reporting.roc_transfer_figure",
                name="roc_transfer_figure",
            ),
            node(
                nodes.plot_robustness,
                "reporting.robustness_table",
                "reporting.robustness_figure",
                name="robustness_figure",
            ),
            node(
                bind_names(nodes.enrich_predictions, predicted),
                ["reporting.predicted_genes", "params:reporting", *each("splits", predicted)],
                "reporting.enrichment",
                name="enrichment",
            ),
            node(
                bind_names(nodes.gdc_provenance_table, list(gdc)),
                each("gdc_release", gdc) + each("gdc_manifest", gdc),
                "reporting.gdc_provenance",
                name="gdc_provenance",
            ),
            node(
                nodes.html_report,
                inputs=[
                    "reporting.general_table",
                    "reporting.general_fold_mean_table",
                    "reporting.transfer_table",
                    "reporting.baseline_table",
                    "reporting.transfer_baseline_table",
                    "reporting.robustness_table",
                    "reporting.enrichment",
                    "reporting.predicted_genes",
                    "reporting.gdc_provenance",
                    "params:reporting",
                    "parameters",
                ],
                outputs="reporting.html",
                name="html_report",
            ),
        ],
        namespace="reporting",
        prefix_datasets_with_namespace=False,
    )

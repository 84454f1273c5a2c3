"""Reporting: gather every cohort's outputs into the paper's tables, figures and one HTML report."""

from kedro.pipeline import Pipeline, node

from degnext.evaluation import figures
from degnext.pipelines.reporting import nodes, page


def create_pipeline(
    cohorts: list[str],
    untrained: list[str],
    compare_published: bool = False,
    gdc: list[str] = (),
    **kwargs,
) -> Pipeline:
    """Reporting over the ``cohorts`` of general learning and the ``untrained`` of transfer.

    Nodes that take one input per cohort get the names of those cohorts, in the same order, from
    the run's ``params:cohort_groups.<group>`` (``degnext.cohorts.cohort_groups``).
    ``compare_published``: the transfer table also shows the published model's predictions
    (``<C>.published_transfer_predictions``, made by cnn_transfer in the same run); ``gdc``
    cohorts add their data provenance. The paper's tables (``reporting.paper_table_<n>``) and
    the gene sets (``reporting.gene_set_library``) are input datasets (``degnext.input_datasets``).
    """

    def each(dataset: str, names: list[str] = cohorts) -> list[str]:
        return [f"{name}.{dataset}" for name in names]

    general, transfer = "params:cohort_groups.general", "params:cohort_groups.untrained"
    published = each("published_transfer_predictions", untrained) if compare_published else []
    predicted = list(dict.fromkeys(cohorts + untrained))
    return Pipeline(
        [
            node(
                nodes.metrics_table,
                [general, *each("general_metrics")],
                "reporting.general_table",
                name="general_table",
            ),
            node(
                nodes.fold_mean_table,
                [general, *each("t3_fold_metrics")],
                "reporting.general_fold_mean_table",
                name="general_fold_mean_table",
            ),
            node(
                nodes.metrics_table,
                [transfer, *each("transfer_metrics", untrained)],
                "reporting.transfer_table",
                name="transfer_table",
            ),
            node(
                nodes.general_comparison_table,
                [general, "params:cohorts", "reporting.paper_table_2", *each("t3_fold_metrics")],
                "reporting.general_comparison_table",
                name="general_comparison_table",
            ),
            node(
                nodes.transfer_comparison_table,
                [
                    transfer,
                    "params:cohorts",
                    "params:experiments",
                    "params:cnn_transfer",
                    "reporting.paper_table_3",
                    *each("transfer_predictions", untrained),
                    *each("transfer_baseline_metrics", untrained),
                    *published,
                ],
                "reporting.transfer_comparison_table",
                name="transfer_comparison_table",
            ),
            node(
                nodes.baseline_table,
                [general, *each("baseline_metrics"), *each("general_metrics")],
                "reporting.baseline_table",
                name="baseline_table",
            ),
            node(
                nodes.baseline_table,
                [
                    transfer,
                    *each("transfer_baseline_metrics", untrained),
                    *each("transfer_metrics", untrained),
                ],
                "reporting.transfer_baseline_table",
                name="transfer_baseline_table",
            ),
            node(
                nodes.robustness_table,
                [general, *each("robustness")],
                "reporting.robustness_table",
                name="robustness_table",
            ),
            node(
                nodes.predicted_genes,
                [
                    general,
                    transfer,
                    *each("general_predictions"),
                    *each("transfer_predictions", untrained),
                ],
                "reporting.predicted_genes",
                name="predicted_genes",
            ),
            node(
                figures.general_roc_figure,
                "reporting.predicted_genes",
                "reporting.roc_figure",
                name="roc_figure",
            ),
            node(
                figures.transfer_roc_figure,
                "reporting.predicted_genes",
                "reporting.roc_transfer_figure",
                name="roc_transfer_figure",
            ),
            node(
                figures.plot_robustness,
                "reporting.robustness_table",
                "reporting.robustness_figure",
                name="robustness_figure",
            ),
            node(
                nodes.enrich_predictions,
                [
                    "params:cohort_groups.reported",
                    "reporting.predicted_genes",
                    "params:reporting",
                    "reporting.gene_set_library",
                    *each("splits", predicted),
                ],
                "reporting.enrichment",
                name="enrichment",
            ),
            node(
                nodes.gdc_provenance_table,
                ["params:cohort_groups.gdc", *each("gdc_release", gdc), *each("gdc_manifest", gdc)],
                "reporting.gdc_provenance",
                name="gdc_provenance",
            ),
            node(
                page.html_report,
                inputs={
                    "general": "reporting.general_table",
                    "general_fold_mean": "reporting.general_fold_mean_table",
                    "general_comparison": "reporting.general_comparison_table",
                    "transfer_comparison": "reporting.transfer_comparison_table",
                    "baseline": "reporting.baseline_table",
                    "transfer_baseline": "reporting.transfer_baseline_table",
                    "robustness": "reporting.robustness_table",
                    "enriched": "reporting.enrichment",
                    "predicted": "reporting.predicted_genes",
                    "roc_general": "reporting.roc_figure",
                    "roc_transfer": "reporting.roc_transfer_figure",
                    "robustness_png": "reporting.robustness_figure",
                    "run_info": "run_info",
                    "transfer_model": "transfer.model",
                    "gdc_provenance": "reporting.gdc_provenance",
                    "reporting": "params:reporting",
                    "parameters": "parameters",
                },
                outputs="reporting.html",
                name="html_report",
            ),
        ],
        namespace="reporting",
        prefix_datasets_with_namespace=False,
    )

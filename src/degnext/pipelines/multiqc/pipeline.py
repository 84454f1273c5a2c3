"""MultiQC custom content: the headline tables and figures of the report as *_mqc files."""

from kedro.pipeline import Pipeline, node

from degnext.evaluation import figures
from degnext.labeling.exports import multiqc_table


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                multiqc_table,
                "reporting.general_fold_mean_table",
                "multiqc.general_table",
                name="general_table",
            ),
            node(
                multiqc_table,
                "reporting.transfer_table",
                "multiqc.transfer_table",
                name="transfer_table",
            ),
            node(
                figures.general_roc_figure,
                "reporting.predicted_genes",
                "multiqc.roc_general_figure",
                name="roc_general_figure",
            ),
            node(
                figures.transfer_roc_figure,
                "reporting.predicted_genes",
                "multiqc.roc_transfer_figure",
                name="roc_transfer_figure",
            ),
            node(
                figures.plot_robustness,
                "reporting.robustness_table",
                "multiqc.robustness_figure",
                name="robustness_figure",
            ),
        ],
        namespace="multiqc",
        prefix_datasets_with_namespace=False,
    )

"""Predict: the transfer checkpoint's UR/DR call for every gene of every cohort (not in __default__)."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines.predict.nodes import call_genes, calls_table


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                call_genes,
                inputs=[
                    "transfer.model",
                    f"{name}.expression",
                    f"{name}.splits",
                    "params:predict",
                    f"params:{name}.cohort_name",
                ],
                outputs=f"{name}.predicted_calls",
                name="call_genes",
                tags=["gpu"],
                namespace=name,
            )
            for name in cohorts
        ]
        + [
            node(
                calls_table,
                f"{name}.predicted_calls",
                f"{name}.predicted_calls_tsv",
                name="calls_table",
                namespace=name,
            )
            for name in cohorts
        ]
    )

"""Predict: the transfer checkpoint's UR/DR call for every gene of every cohort (not in __default__)."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import named
from degnext.pipelines.predict.nodes import call_genes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                named(call_genes, name),
                inputs=["transfer.model", f"{name}.expression", f"{name}.splits", "params:predict"],
                outputs=f"{name}.predicted_calls",
                name="call_genes",
                namespace=name,
            )
            for name in cohorts
        ]
    )

"""Robustness: per cohort, noisy T3 accuracy of the CNN and the baselines."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.robustness.nodes import noise_robustness


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(), name) for name in cohorts])


def _template() -> Pipeline:
    return Pipeline(
        [
            node(
                noise_robustness,
                inputs=[
                    "general_model",
                    "baseline_models",
                    "expression",
                    "splits",
                    "samples",
                    "params:robustness",
                    "params:cnn_general",
                ],
                outputs="robustness",
                name="noise_robustness",
                tags=["gpu"],
            )
        ]
    )

"""Baselines: per cohort, fit the classical models on the CNN's training rows and test on T3."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.baselines import nodes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(), name, ("baselines",)) for name in cohorts])


def _template() -> Pipeline:
    return Pipeline(
        [
            node(
                nodes.train_baselines,
                inputs=["expression", "splits", "params:cohort", "params:baselines"],
                outputs="baseline_models",
                name="train_baselines",
            ),
            node(
                nodes.evaluate_baselines,
                inputs=["baseline_models", "expression", "splits", "samples"],
                outputs=["baseline_predictions", "baseline_metrics"],
                name="evaluate_baselines",
            ),
        ]
    )

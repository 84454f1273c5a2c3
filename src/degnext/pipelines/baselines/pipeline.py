"""Baselines: classical models on the CNN's training rows, per cohort (T3) and for transfer (Q)."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.baselines import nodes


def create_pipeline(
    cohorts: list[str], train: list[str] = (), untrained: list[str] = (), **kwargs
) -> Pipeline:
    general = [per_cohort(_general_template(), name) for name in cohorts]
    return Pipeline(general) + _transfer(list(train), list(untrained))


def _general_template() -> Pipeline:
    return Pipeline(
        [
            node(
                nodes.train_baselines,
                inputs=["expression", "splits", "params:baselines"],
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


def _transfer(train: list[str], untrained: list[str]) -> Pipeline:
    """One set of models over the train cohorts, evaluated on each untrained cohort's Q."""
    if not train or not untrained:
        return Pipeline([])
    train_data = [f"{name}.{d}" for name in train for d in ("expression", "splits", "samples")]
    fit = node(
        nodes.train_transfer_baselines,
        inputs=["params:baselines", *train_data],
        outputs="transfer.baseline_models",
        name="train_transfer_baselines",
        namespace="transfer",
    )
    evaluate = [
        node(
            nodes.evaluate_transfer_baselines,
            inputs=[
                "transfer.baseline_models",
                f"{name}.expression",
                f"{name}.splits",
                f"{name}.samples",
                "params:baselines",
            ],
            outputs=[f"{name}.transfer_baseline_predictions", f"{name}.transfer_baseline_metrics"],
            name="evaluate_transfer_baselines",
            namespace=name,
        )
        for name in untrained
    ]
    return Pipeline([fit, *evaluate])

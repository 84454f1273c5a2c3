"""Transfer learning: one model over the train cohorts, predictions for each untrained cohort.

With ``transfer_model="published"`` the authors' released weights replace the two training nodes;
with ``compare_published`` they are applied to Q beside the trained model. Without a train and an
untrained cohort the pipeline is one node that says so when it runs, so a configuration with one
cohort still builds every other pipeline.
"""

from kedro.pipeline import Pipeline, node

from degnext.pipelines.cnn_transfer import nodes


def create_pipeline(
    train: list[str],
    untrained: list[str],
    transfer_model: str = "trained",
    compare_published: bool = False,
    **kwargs,
) -> Pipeline:
    if not train or not untrained:
        return Pipeline(
            [
                node(
                    nodes.require_transfer_cohorts,
                    inputs="params:cohorts",
                    outputs=None,
                    name="require_transfer_cohorts",
                    namespace="transfer",
                )
            ]
        )
    train_data = [f"{name}.{dataset}" for name in train for dataset in ("expression", "splits")]
    if transfer_model == "published":
        steps = _published(train, "transfer.model") + _predictions(untrained, "transfer.model", "")
    else:
        steps = _training(train_data) + _predictions(untrained, "transfer.model", "")
        if compare_published:
            steps += _published(train, "transfer.published_model")
            steps += _predictions(untrained, "transfer.published_model", "published_")
    return Pipeline(steps)


def _predictions(untrained: list[str], model: str, prefix: str) -> list:
    """``model`` on all of Q of every untrained cohort: ``<C>.<prefix>transfer_predictions``."""
    return [
        node(
            nodes.predict_untrained,
            inputs=[model, f"{name}.expression", f"{name}.splits", "params:cnn_transfer"],
            outputs=[f"{name}.{prefix}transfer_predictions", f"{name}.{prefix}transfer_metrics"],
            name=f"predict_untrained_{prefix}".rstrip("_"),
            tags=["gpu"],
            namespace=name,
        )
        for name in untrained
    ]


def _published(train: list[str], output: str) -> list:
    return [
        node(
            nodes.import_published_model,
            inputs=["transfer.published_weights", f"{train[0]}.expression"],
            outputs=output,
            name="import_published_model",
            namespace="transfer",
        )
    ]


def _training(train_data: list[str]) -> list:
    return [
        node(
            nodes.train_transfer_first_level,
            inputs=["params:cohort_groups.train", "params:cnn_transfer", *train_data],
            outputs=["transfer.first_level_model", "transfer.first_level_history"],
            name="train_first_level",
            tags=["gpu"],
            namespace="transfer",
        ),
        node(
            nodes.fine_tune_transfer,
            inputs=[
                "params:cohort_groups.train",
                "transfer.first_level_model",
                "transfer.first_level_history",
                "params:cnn_transfer",
                *train_data,
            ],
            outputs=["transfer.model", "transfer.history"],
            name="fine_tune",
            tags=["gpu"],
            namespace="transfer",
        ),
    ]

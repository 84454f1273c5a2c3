"""Transfer learning: one model over the train cohorts, predictions for each untrained cohort.

With ``transfer_model="published"`` the authors' released weights replace the two training nodes.
Without a train and an untrained cohort the pipeline is one node that says so when it runs, so a
configuration with one cohort still builds every other pipeline.
"""

from kedro.pipeline import Pipeline, node

from degnext.pipelines.cnn_transfer import nodes


def create_pipeline(
    train: list[str], untrained: list[str], transfer_model: str = "trained", **kwargs
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
    training = _published(train) if transfer_model == "published" else _training(train_data)
    prediction = [
        node(
            nodes.predict_untrained,
            inputs=[
                "transfer.model",
                f"{name}.expression",
                f"{name}.splits",
                "params:cnn_transfer",
            ],
            outputs=[f"{name}.transfer_predictions", f"{name}.transfer_metrics"],
            name="predict_untrained",
            namespace=name,
        )
        for name in untrained
    ]
    return Pipeline(training + prediction)


def _published(train: list[str]) -> list:
    return [
        node(
            nodes.import_published_model,
            inputs=["transfer.published_weights", f"{train[0]}.expression"],
            outputs="transfer.model",
            name="import_published_model",
            namespace="transfer",
        )
    ]


def _training(train_data: list[str]) -> list:
    return [
        node(
            nodes.train_transfer_first_level,
            inputs=["params:cnn_transfer", *train_data],
            outputs=["transfer.first_level_model", "transfer.first_level_history"],
            name="train_first_level",
            namespace="transfer",
        ),
        node(
            nodes.fine_tune_transfer,
            inputs=[
                "transfer.first_level_model",
                "transfer.first_level_history",
                "params:cnn_transfer",
                *train_data,
            ],
            outputs=["transfer.model", "transfer.history"],
            name="fine_tune",
            namespace="transfer",
        ),
    ]

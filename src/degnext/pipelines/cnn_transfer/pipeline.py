"""Transfer learning: one model over the train cohorts, predictions for each untrained cohort.

With ``transfer_model="published"`` the authors' released weights replace the two training nodes.
"""

from kedro.pipeline import Pipeline, node

from degnext.errors import DEGnextInputError
from degnext.pipelines import bind_names
from degnext.pipelines.cnn_transfer import nodes


def create_pipeline(
    train: list[str], untrained: list[str], transfer_model: str = "trained", **kwargs
) -> Pipeline:
    if not train or not untrained:
        raise DEGnextInputError(
            "transfer learning needs at least one cohort with role 'train' and one with role "
            f"'untrained' in parameter 'cohorts'; found train={train}, untrained={untrained}"
        )
    train_data = [f"{name}.{dataset}" for name in train for dataset in ("expression", "splits")]
    training = _published(train) if transfer_model == "published" else _training(train, train_data)
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


def _training(train: list[str], train_data: list[str]) -> list:
    return [
        node(
            bind_names(nodes.train_transfer_first_level, train),
            inputs=["params:cnn_transfer", *train_data],
            outputs=["transfer.first_level_model", "transfer.first_level_history"],
            name="train_first_level",
            namespace="transfer",
        ),
        node(
            bind_names(nodes.fine_tune_transfer, train),
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

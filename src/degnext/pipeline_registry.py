"""The eight DEGnext pipelines, built for the run's cohorts, and ``__default__`` = all of them."""

from kedro.pipeline import Pipeline

from degnext import cohorts
from degnext.pipelines import (
    baselines,
    cnn_general,
    cnn_transfer,
    ingestion,
    labeling,
    predict,
    reporting,
    robustness,
    splitting,
)


def register_pipelines() -> dict[str, Pipeline]:
    """Build every pipeline over the cohorts of ``parameters.yml`` (or the CLI's ``--params``).

    ``predict`` (a trained checkpoint applied to every gene of every cohort) is not part of
    ``__default__``.

    Released splits (``source: release``) skip labeling and splitting; a cohort with
    ``general: false`` (e.g. a release cohort without T1 or F1) skips general learning, and
    ``experiments.general_learning: false`` skips it for every cohort.
    ``experiments.transfer_model: published`` takes the authors' weights instead of training;
    ``experiments.compare_published: true`` applies them beside a trained model.
    """
    parameters = cohorts.run_parameters()
    run_cohorts = cohorts.configured_cohorts(parameters)
    experiments = cohorts.configured_experiments(parameters)
    every = cohorts.names(run_cohorts)
    released = [name for name in every if run_cohorts[name].get("source") == "release"]
    raw = [name for name in every if name not in released]
    general = [
        name
        for name in every
        if experiments["general_learning"] and run_cohorts[name].get("general", True)
    ]
    train, untrained = cohorts.names(run_cohorts, "train"), cohorts.names(run_cohorts, "untrained")
    compare_published = (
        experiments["compare_published"] and experiments["transfer_model"] == "trained"
    )
    registry = {
        "ingestion": ingestion.create_pipeline(raw, released),
        "labeling": labeling.create_pipeline(raw),
        "splitting": splitting.create_pipeline(raw),
        "cnn_general": cnn_general.create_pipeline(general),
        "cnn_transfer": cnn_transfer.create_pipeline(
            train, untrained, experiments["transfer_model"], compare_published
        ),
        "baselines": baselines.create_pipeline(general, train, untrained),
        "robustness": robustness.create_pipeline(general),
        "reporting": reporting.create_pipeline(general, untrained, compare_published),
    }
    registry["__default__"] = sum(registry.values(), Pipeline([]))
    registry["predict"] = predict.create_pipeline(every)
    return registry

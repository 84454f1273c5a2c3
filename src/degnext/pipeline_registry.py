"""The eight DEGnext pipelines, built for the run's cohorts, and ``__default__`` = all of them."""

from kedro.pipeline import Pipeline

from degnext import cohorts
from degnext.pipelines import (
    baselines,
    cnn_general,
    cnn_transfer,
    ingestion,
    labeling,
    reporting,
    robustness,
    splitting,
)


def register_pipelines() -> dict[str, Pipeline]:
    """Build every pipeline over the cohorts of ``parameters.yml`` (or the CLI's ``--params``)."""
    run_cohorts = cohorts.configured_cohorts()
    every = cohorts.names(run_cohorts)
    train, untrained = cohorts.names(run_cohorts, "train"), cohorts.names(run_cohorts, "untrained")
    registry = {
        "ingestion": ingestion.create_pipeline(every),
        "labeling": labeling.create_pipeline(every),
        "splitting": splitting.create_pipeline(every),
        "cnn_general": cnn_general.create_pipeline(every),
        "cnn_transfer": cnn_transfer.create_pipeline(train, untrained),
        "baselines": baselines.create_pipeline(every),
        "robustness": robustness.create_pipeline(every),
        "reporting": reporting.create_pipeline(every, untrained),
    }
    registry["__default__"] = sum(registry.values(), Pipeline([]))
    return registry

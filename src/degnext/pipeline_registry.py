"""The DEGnext pipelines, built for the run's cohorts, and ``__default__`` = all of them."""

from kedro.pipeline import Pipeline

from degnext import cohorts
from degnext.pipelines import (
    baselines,
    cnn_general,
    cnn_transfer,
    ingestion,
    labeling,
    multiqc,
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
    groups = cohorts.cohort_groups(parameters)
    experiments = cohorts.configured_experiments(parameters)
    transfer_model = experiments["transfer_model"]
    compare_published = experiments["compare_published"] and transfer_model == "trained"
    general, untrained = groups["general"], groups["untrained"]
    registry = {
        "ingestion": ingestion.create_pipeline(
            groups["raw"], groups["released"], groups["gdc"], groups["synthetic"]
        ),
        "labeling": labeling.create_pipeline(groups["raw"]),
        "splitting": splitting.create_pipeline(groups["raw"]),
        "cnn_general": cnn_general.create_pipeline(general),
        "cnn_transfer": cnn_transfer.create_pipeline(
            groups["train"], untrained, transfer_model, compare_published
        ),
        "baselines": baselines.create_pipeline(general, groups["train"], untrained),
        "robustness": robustness.create_pipeline(general),
        "reporting": reporting.create_pipeline(
            general, untrained, compare_published, groups["gdc"]
        ),
        "multiqc": multiqc.create_pipeline(),
    }
    registry["__default__"] = sum(registry.values(), Pipeline([]))
    registry["predict"] = predict.create_pipeline(groups["every"])
    return registry

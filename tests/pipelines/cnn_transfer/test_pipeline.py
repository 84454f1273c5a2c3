"""Transfer learning in memory: one model over the train cohorts, all of Q of the untrained one."""

import pytest

from degnext.errors import DEGnextInputError
from degnext.pipelines import cnn_transfer
from tests.pipelines.in_memory import run_in_memory
from tests.pipelines.metrics_ranges import assert_binary_metrics


def test_the_untrained_cohorts_q_is_predicted_and_scored(cnn_transfer_run, splitting_run, groups):
    assert groups["train"] == ["A", "B"] and groups["untrained"] == ["C"]
    q = splitting_run["C.splits"].query("set in ['F1', 'T3']")
    predictions = cnn_transfer_run["C.transfer_predictions"]
    assert list(predictions["gene_id"]) == list(q["gene_id"])
    assert list(predictions["label"]) == list(q["label"])
    assert predictions["p_up"].between(0, 1).all()
    assert_binary_metrics(cnn_transfer_run["C.transfer_metrics"], len(q))
    assert not any(key.startswith(("A.", "B.")) for key in cnn_transfer_run)


def test_each_epoch_visits_every_train_cohort_in_order(cnn_transfer_run, parameters):
    history = cnn_transfer_run["transfer.history"]
    for stage in ("first_level", "fine_tune"):
        epochs = parameters["cnn_transfer"][stage]["epochs"]
        rows = history[history["stage"] == stage]
        assert list(zip(rows["epoch"], rows["cohort"], strict=True)) == [
            (epoch, cohort) for epoch in range(1, epochs + 1) for cohort in (0, 1)
        ]
    assert cnn_transfer_run["transfer.model"].is_binary
    assert not cnn_transfer_run["transfer.first_level_model"].is_binary


def test_without_an_untrained_cohort_the_pipeline_stops_naming_the_roles(parameters, labeled):
    train_only = {**parameters, "cohorts": {"A": parameters["cohorts"]["A"]}}
    pipeline = cnn_transfer.create_pipeline(["A"], [])
    with pytest.raises(DEGnextInputError, match="role 'untrained'"):
        run_in_memory(pipeline, train_only, labeled)

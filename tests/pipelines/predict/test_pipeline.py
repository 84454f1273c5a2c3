"""Predict in memory: the transfer model's call for every gene of every cohort."""

import numpy as np
import pandas as pd
import pytest

from degnext.pipelines import predict
from degnext.pipelines.predict.nodes import COLUMNS
from tests.pipelines.in_memory import run_in_memory


@pytest.fixture(scope="module")
def predict_run(parameters, groups, labeled, cnn_transfer_run):
    inputs = {**labeled, **cnn_transfer_run}
    return run_in_memory(predict.create_pipeline(groups["every"]), parameters, inputs)


def test_every_gene_of_every_cohort_gets_a_call(predict_run, labeling_run, parameters):
    threshold = parameters["predict"]["threshold"]
    for name in parameters["cohorts"]:
        calls = predict_run[f"{name}.predicted_calls"]
        assert list(calls.columns) == COLUMNS
        assert list(calls["gene_id"]) == list(labeling_run[f"{name}.expression"].index)
        assert calls["label"].notna().all() and calls["set"].notna().all()
        assert (calls["call"] == np.where(calls["p_up"] >= threshold, "UR", "DR")).all()
        assert set(calls["checkpoint"]) == {"(model not read from a file)"}
        table = predict_run[f"{name}.predicted_calls_tsv"]
        assert table["p_up"].is_monotonic_decreasing and len(table) == len(calls)


def test_calls_on_q_equal_the_transfer_predictions(predict_run, cnn_transfer_run):
    """The same model on the same rows: predict and cnn_transfer agree gene by gene."""
    transfer = cnn_transfer_run["C.transfer_predictions"].set_index("gene_id")
    calls = predict_run["C.predicted_calls"].set_index("gene_id").loc[transfer.index]
    assert (calls["call"] == transfer["call"]).all()
    np.testing.assert_allclose(calls["logit"], transfer["logit"], rtol=1e-5, atol=1e-6)


def test_predict_is_deterministic(predict_run, parameters, labeled, cnn_transfer_run):
    again = run_in_memory(
        predict.create_pipeline(["A"]), parameters, {**labeled, **cnn_transfer_run}
    )
    pd.testing.assert_frame_equal(again["A.predicted_calls"], predict_run["A.predicted_calls"])

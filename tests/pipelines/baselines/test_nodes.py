"""Baseline nodes train on exactly the CNN's rows and are tested on exactly its test rows."""

import numpy as np
import pandas as pd
import pytest

from degnext.data.splits import gene_rows
from degnext.errors import DEGnextInputError
from degnext.evaluation import baselines
from degnext.nn.model import DEGnext
from degnext.pipelines.baselines import nodes
from degnext.pipelines.cnn_transfer.nodes import _cohort_rows, predict_untrained

SETS = ("T1", "T2", "F1", "T3")
PARAMS = {
    "seed": 3,
    "n_jobs": 1,
    "models": {"decision_tree": {"max_depth": 3}, "logistic_regression": {"max_iter": 500}},
    "transfer": {"n_quantiles": 5},
}
CNN = {"device": "cpu", "metrics": {"decision": "probability", "aggregate": "whole", "batch_size": 64}}  # fmt: skip


def cohort(name: str, n_genes: int, n_normal: int, n_tumor: int, seed: int):
    """Expression (normal columns first), a split table over every set and a sample sheet."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 3, n_genes)
    sets = rng.choice(SETS, n_genes)
    label[np.isin(sets, ("F1", "T3"))] %= 2  # Q holds UR/DR genes only
    fold = np.where(label == 1, 3.0, np.where(label == 0, 1 / 3, 1.0))[:, None]
    level = rng.lognormal(5, 1, (n_genes, 1))
    values = np.hstack([np.ones((n_genes, n_normal)), np.repeat(fold, n_tumor, axis=1)]) * level
    genes = [f"{name}_{i}" for i in range(n_genes)]
    barcodes = [f"{name}-s{i}" for i in range(n_normal + n_tumor)]
    expression = pd.DataFrame(rng.poisson(values).astype("float32"), index=genes, columns=barcodes)
    splits = pd.DataFrame(
        {"gene_id": genes, "symbol": genes, "label": label, "set": sets, "fold": -1}
    )
    samples = pd.DataFrame(
        {"barcode": barcodes[::-1], "condition": ["tumor"] * n_tumor + ["normal"] * n_normal}
    )
    return expression, splits, samples


@pytest.fixture(scope="module")
def train_cohorts():
    return [cohort("A", 300, 6, 14, 1), cohort("B", 250, 9, 21, 2)]


def recorded_fits(monkeypatch) -> list:
    calls = []
    real = baselines.fit_baseline

    def spy(name, params, X, y, **kwargs):
        calls.append((name, np.array(X), np.array(y)))
        return real(name, params, X, y, **kwargs)

    monkeypatch.setattr(baselines, "fit_baseline", spy)
    return calls


def test_general_baselines_fit_the_cnn_rows_t1_ur_dr_then_f1(monkeypatch, train_cohorts):
    expression, splits, _ = train_cohorts[0]
    calls = recorded_fits(monkeypatch)
    nodes.train_baselines(expression, splits, PARAMS)
    t1, t1_labels, _ = gene_rows(expression, splits, ("T1",))
    f1, f1_labels, _ = gene_rows(expression, splits, ("F1",))
    expected_X = np.vstack([t1[t1_labels != 2], f1])
    expected_y = np.concatenate([t1_labels[t1_labels != 2], f1_labels])
    assert [name for name, *_ in calls] == list(PARAMS["models"])
    for _, X, y in calls:
        np.testing.assert_array_equal(X, expected_X)
        np.testing.assert_array_equal(y, expected_y)


def test_transfer_baselines_fit_the_transfer_cnn_rows_of_every_train_cohort(
    monkeypatch, train_cohorts
):
    calls = recorded_fits(monkeypatch)
    flat = [frame for triple in train_cohorts for frame in triple]
    models = nodes.train_transfer_baselines(PARAMS, *flat)
    assert set(models) == set(PARAMS["models"])
    pairs = [frame for expression, splits, _ in train_cohorts for frame in (expression, splits)]
    cnn_first_level = _cohort_rows(tuple(pairs), ("T1",), {0, 1})
    cnn_fine_tune = _cohort_rows(tuple(pairs), ("F1",), {0, 1})
    expected_X, expected_y = [], []
    for (t1, y1), (f1, yf), (_, _, samples) in zip(
        cnn_first_level, cnn_fine_tune, train_cohorts, strict=True
    ):
        n_normal = int((samples["condition"] == "normal").sum())
        expected_X.append(baselines.quantile_profile(np.vstack([t1, f1]), n_normal, 5))
        expected_y.append(np.concatenate([y1, yf]))
    for _, X, y in calls:
        assert X.shape[1] == 2 * PARAMS["transfer"]["n_quantiles"]
        np.testing.assert_allclose(X, np.vstack(expected_X))
        np.testing.assert_array_equal(y, np.concatenate(expected_y))


def test_transfer_baselines_are_scored_on_the_same_q_rows_as_the_transfer_cnn(train_cohorts):
    flat = [frame for triple in train_cohorts for frame in triple]
    models = nodes.train_transfer_baselines(PARAMS, *flat)
    expression, splits, samples = cohort("C", 200, 5, 12, 3)
    predictions, table = nodes.evaluate_transfer_baselines(
        models, expression, splits, samples, PARAMS
    )
    cnn_predictions, _ = predict_untrained(DEGnext(17, 1, seed=0), expression, splits, CNN)
    assert set(table["model"]) == {*PARAMS["models"], baselines.RULE}
    for _, rows in predictions.groupby("model"):
        assert list(rows["gene_id"]) == list(cnn_predictions["gene_id"])
        assert list(rows["label"]) == list(cnn_predictions["label"])
    rule = table.set_index("model").loc[baselines.RULE]
    assert rule["accuracy"] > 90  # threefold changes: the sign of the group difference is the call


def test_quantile_profile_by_hand():
    X = np.array([[0, 1, 3, 7, 15, 31], [3, 3, 3, 0, 0, 0]], dtype=float)
    profile = baselines.quantile_profile(X, n_normal=3, n_quantiles=3)
    np.testing.assert_allclose(profile, [[0, 1, 2, 3, 4, 5], [2, 2, 2, 0, 0, 0]])
    negative = baselines.quantile_profile(np.array([[-5.0, 0, 1, 1]]), 2, 2)
    np.testing.assert_allclose(negative, [[0, 0, 1, 1]])


def test_quantile_profile_names_bad_settings():
    X = np.ones((2, 4))
    with pytest.raises(DEGnextInputError, match="n_quantiles"):
        baselines.quantile_profile(X, 2, 1)
    with pytest.raises(DEGnextInputError, match="n_normal=4"):
        baselines.quantile_profile(X, 4, 3)

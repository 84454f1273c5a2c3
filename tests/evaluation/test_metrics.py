"""Metrics equal scikit-learn, including the release's batch-mean and logit-threshold variants."""

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    matthews_corrcoef,
    precision_score,
    recall_score,
    roc_auc_score,
)

from degnext.errors import DEGnextInputError
from degnext.evaluation.metrics import (
    binary_metrics,
    binary_metrics_from_logits,
    multiclass_metrics,
)


def _sklearn_scores(y, pred):
    kw = {"average": "weighted", "zero_division": 0}
    return {
        "accuracy": 100 * accuracy_score(y, pred),
        "recall": 100 * recall_score(y, pred, **kw),
        "precision": 100 * precision_score(y, pred, **kw),
        "f_measure": f1_score(y, pred, **kw),
        "mcc": matthews_corrcoef(y, pred),
    }


def _assert_close(got, expected):
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-10), key


@pytest.mark.parametrize("seed", range(5))
def test_binary_whole_equals_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 301)
    p = np.clip(0.35 * y + rng.random(301) * 0.65, 0, 1)
    got = binary_metrics(y, p)
    _assert_close(got, _sklearn_scores(y, (p >= 0.5).astype(int)))
    assert got["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert got["n"] == 301


def test_binary_known_vector():
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.6, 0.4, 0.2, 0.55, 0.1, 0.8, 0.3])
    got = binary_metrics(y, p)
    assert got["accuracy"] == pytest.approx(75.0)
    assert got["mcc"] == pytest.approx(0.5)
    assert got["roc_auc"] == pytest.approx(15 / 16)


def test_logit_decision_thresholds_the_logit():
    y = np.array([0, 1, 0, 0, 1])
    logits = np.array([0.4, 0.6, 0.45, -1.0, 2.0])
    p = 1 / (1 + np.exp(-logits))
    got = binary_metrics(y, p, decision="logit")
    _assert_close(got, _sklearn_scores(y, (logits >= 0.5).astype(int)))
    assert got["accuracy"] != binary_metrics(y, p)["accuracy"]


@pytest.mark.filterwarnings("ignore:A single label was found")
@pytest.mark.parametrize("batch_size", [7, 64])
def test_batch_mean_averages_sklearn_per_batch(batch_size):
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.3 * y + rng.random(200) * 0.7, 0, 1)
    pred = (p >= 0.5).astype(int)
    batches = [slice(i, i + batch_size) for i in range(0, 200, batch_size)]
    per = [_sklearn_scores(y[b], pred[b]) for b in batches]
    expected = {k: np.mean([s[k] for s in per]) for k in per[0]}
    got = binary_metrics(y, p, aggregate="batch_mean", batch_size=batch_size)
    _assert_close(got, expected)


@pytest.mark.filterwarnings("ignore:A single label was found")
def test_single_class_batches_match_sklearn_zero_division():
    y = np.array([1, 1, 1, 1, 0, 0, 1, 0])
    p = np.array([0.9, 0.2, 0.7, 0.8, 0.1, 0.9, 0.6, 0.4])
    per = [_sklearn_scores(y[i : i + 4], (p[i : i + 4] >= 0.5).astype(int)) for i in (0, 4)]
    expected = {k: np.mean([s[k] for s in per]) for k in per[0]}
    _assert_close(binary_metrics(y, p, aggregate="batch_mean", batch_size=4), expected)


def test_multiclass_equals_sklearn():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 250)
    logits = rng.normal(size=(250, 3)) + 1.5 * np.eye(3)[y]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    got = multiclass_metrics(y, probs)
    _assert_close(got, _sklearn_scores(y, probs.argmax(axis=1)))
    assert got["log_loss"] == pytest.approx(log_loss(y, probs))
    assert got["roc_auc_micro"] == pytest.approx(
        roc_auc_score(np.eye(3)[y], probs, average="micro")
    )


def test_bad_inputs_raise():
    with pytest.raises(DEGnextInputError, match="y_true"):
        binary_metrics(np.array([0, 1]), np.array([0.1, 0.2, 0.3]))
    with pytest.raises(DEGnextInputError, match="labels"):
        binary_metrics(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(DEGnextInputError, match="decision"):
        binary_metrics(np.array([0, 1]), np.array([0.1, 0.2]), decision="odds")
    with pytest.raises(DEGnextInputError, match="aggregate"):
        binary_metrics(np.array([0, 1]), np.array([0.1, 0.2]), aggregate="mean")


def _saturated_case():
    """Logits of 18..40: float32 sigmoid rounds every one of them to exactly 1.0, yet they differ,
    and the labels interleave with them, so a tie-free ranking matters for the AUC."""
    logit = np.array([-3.0, -1.0, 18.0, 19.5, 21.0, 24.0, 27.0, 30.0, 33.0, 40.0])
    y = np.array([0, 0, 0, 1, 0, 1, 1, 0, 1, 1])
    return y, logit


def test_saturated_logits_give_the_float64_auc_not_the_float32_ties():
    y, logit = _saturated_case()
    p32 = 1 / (1 + np.exp(-logit.astype(np.float32)))
    assert (p32[2:] == np.float32(1.0)).all()  # the case is saturated in float32
    exact = roc_auc_score(y, logit)
    tied = binary_metrics(y, p32)["roc_auc"]
    assert tied < exact  # ties at 1.0 cost AUC
    got = binary_metrics_from_logits(y, logit)
    assert got["roc_auc"] == pytest.approx(exact, abs=1e-15)
    # Same calls as P(UR) >= 0.5, and the release rule thresholds the logit itself.
    _assert_close(got, _sklearn_scores(y, (logit >= 0).astype(int)))
    release = binary_metrics_from_logits(y, np.array([0.4, 0.6] * 5), decision="logit")
    assert release["n_up"] == 5


def test_one_class_calls_are_counted():
    y, logit = _saturated_case()
    assert binary_metrics_from_logits(y, np.abs(logit) + 1)["n_up"] == y.size
    assert binary_metrics(y, np.zeros(y.size) + 0.1)["n_up"] == 0

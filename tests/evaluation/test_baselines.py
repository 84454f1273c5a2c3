"""Baselines: every model trains on the given rows; the sign rule and the noise model by hand."""

import math

import numpy as np
import pytest

from degnext.errors import DEGnextInputError
from degnext.evaluation import baselines

N_NORMAL, N_TUMOR = 4, 8
PARAMS = {
    "decision_tree": {"max_depth": 4},
    "knn": {"n_neighbors": 5},
    "random_forest": {"n_estimators": 30},
    "svc": {"C": 1.0, "kernel": "rbf"},
    "xgboost": {"n_estimators": 30, "max_depth": 3, "learning_rate": 0.3},
    "logistic_regression": {"C": 1.0, "max_iter": 2000},
    "naive_bayes": {},
}


def cohort(n_genes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Genes x (normal, tumor) expression: UR genes double in tumor, DR genes halve."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n_genes)
    level = rng.lognormal(5, 0.4, (n_genes, 1))
    fold = np.where(labels == 1, 2.0, 0.5)[:, None]
    means = np.hstack([np.ones((n_genes, N_NORMAL)), np.ones((n_genes, N_TUMOR)) * fold]) * level
    return rng.normal(means, 0.15 * means).astype(np.float32), labels


@pytest.fixture(scope="module")
def data():
    return cohort(300, seed=1), cohort(200, seed=2)


@pytest.mark.parametrize("name", list(PARAMS))
def test_every_baseline_trains_and_predicts(name, data):
    (X_train, y_train), (X_test, y_test) = data
    model = baselines.fit_baseline(name, PARAMS[name], X_train, y_train, seed=3, n_jobs=1)
    p_up = baselines.predict_up_probability(model, X_test)
    assert p_up.shape == (len(X_test),)
    assert np.all((p_up >= 0) & (p_up <= 1))
    assert np.mean((p_up >= 0.5) == y_test) > 0.8
    again = baselines.fit_baseline(name, PARAMS[name], X_train, y_train, seed=3, n_jobs=1)
    np.testing.assert_array_equal(p_up, baselines.predict_up_probability(again, X_test))


def test_fit_uses_exactly_the_given_rows(data):
    (X_train, y_train), _ = data
    model = baselines.fit_baseline(
        "knn", {"n_neighbors": 1}, X_train[:50], y_train[:50], seed=0, n_jobs=1
    )
    assert model[-1].n_samples_fit_ == 50
    np.testing.assert_array_equal(
        baselines.predict_up_probability(model, X_train[:50]), y_train[:50]
    )


def test_bad_names_and_parameters_are_named():
    with pytest.raises(DEGnextInputError, match="unknown baseline 'lasso'"):
        baselines.make_baseline("lasso", {}, seed=0, n_jobs=1)
    with pytest.raises(DEGnextInputError, match=r"baselines\.models\.svc.*\['gamma_typo'\]"):
        baselines.make_baseline("svc", {"gamma_typo": 1}, seed=0, n_jobs=1)
    with pytest.raises(DEGnextInputError, match=r"knn\.scaling"):
        baselines.make_baseline("knn", {"scaling": "log"}, seed=0, n_jobs=1)
    X = np.ones((4, 3))
    with pytest.raises(DEGnextInputError, match=r"values \[0, 2\]"):
        baselines.fit_baseline("naive_bayes", {}, X, np.array([0, 2, 0, 2]), seed=0, n_jobs=1)


def test_scaling_option_builds_the_right_pipeline():
    assert baselines.make_baseline("svc", {}, seed=0, n_jobs=1).steps[0][0] == "scale"
    assert not hasattr(
        baselines.make_baseline("svc", {"scaling": "none"}, seed=0, n_jobs=1), "steps"
    )
    rows = baselines.make_baseline("random_forest", {"scaling": "rows"}, seed=0, n_jobs=1)
    scaled = rows[0].transform(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    np.testing.assert_allclose(scaled, [[-math.sqrt(1.5), 0, math.sqrt(1.5)], [0, 0, 0]])


def test_logfc_sign_rule_by_hand():
    X = np.array(
        [
            [1.0, 3.0, 5.0, 7.0],  # tumor mean 6 > normal mean 2
            [7.0, 5.0, 3.0, 1.0],  # the mirror image
            [2.0, 4.0, 4.0, 2.0],  # equal means
            [3.0, 3.0, 4.0, 4.0],  # zero pooled sd, tumor higher
        ]
    )
    scores = baselines.logfc_sign_rule(X, n_normal=2)
    z = 4 / math.sqrt(4 / 2)  # difference / sqrt(sum of squares / (n - 2))
    assert scores[0] == pytest.approx(1 / (1 + math.exp(-z)))
    assert scores[1] == pytest.approx(1 - scores[0])
    assert scores[2] == pytest.approx(0.5)
    assert scores[3] == 1.0
    with pytest.raises(DEGnextInputError, match="n_normal=4"):
        baselines.logfc_sign_rule(X, n_normal=4)


def test_noise_level_zero_is_identity_and_seeded():
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    same = baselines.add_gaussian_noise(X, 0, np.random.default_rng(0))
    np.testing.assert_array_equal(same, X)
    assert same is not X
    first = baselines.add_gaussian_noise(X, 10, np.random.default_rng(5))
    np.testing.assert_array_equal(
        first, baselines.add_gaussian_noise(X, 10, np.random.default_rng(5))
    )
    assert first.dtype == np.float32
    with pytest.raises(DEGnextInputError, match="noise_levels"):
        baselines.add_gaussian_noise(X, -1, np.random.default_rng(0))


@pytest.mark.parametrize("level", [1, 50, 500])
def test_noise_sd_is_level_percent_of_each_gene_sd(level):
    rng = np.random.default_rng(11)
    X = rng.normal(0, 1, (4, 20000)) * np.array([[0.5], [1.0], [10.0], [200.0]]) + 1000
    noise = baselines.add_gaussian_noise(X, level, np.random.default_rng(3)) - X
    expected = level / 100 * X.std(axis=1, ddof=1)
    np.testing.assert_allclose(noise.std(axis=1, ddof=1), expected, rtol=0.03)
    np.testing.assert_allclose(noise.mean(axis=1), 0, atol=4 * expected.max() / math.sqrt(20000))

"""Classical baselines for the UR/DR call, a no-training logFC-sign rule, and the noise model.

The paper compares DEGnext with DTC, KNN, RFC, SVC and XGBoost (its text also names logistic
regression and naive Bayes), trained on the same rows as the CNN and tested on the same T3 / Q.
Rows are genes; features are the gene's expression across the cohort's samples (normal first).

Choices made here, and why:
- Labels are binary (0 = DR, 1 = UR). The caller passes T1's UR/DR rows plus F1: the neutral rows
  of T1 have no binary label, and dropping them keeps the baselines on the task they are scored on.
- KNN, SVC and logistic regression are distance/margin models whose features (normalized counts)
  span orders of magnitude, so by default they standardize every feature column (scikit-learn's
  ``StandardScaler``, fitted on the training rows only). The reserved parameter ``scaling``
  (``"none"``, ``"columns"`` or ``"rows"``; ``"rows"`` z-scores each gene's own vector) overrides
  this for any model; every other key of ``params`` is the estimator's own hyperparameter.
- SVC has no probabilities of its own: its decision function is Platt-scaled (sigmoid) on 5-fold
  out-of-fold predictions, then the SVC refitted on all rows is used (``CalibratedClassifierCV``
  with ``ensemble=False``, what the deprecated ``SVC(probability=True)`` did), so ROC curves and the
  0.5 threshold use a real P(UR). The folds are unshuffled and stratified, hence deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from xgboost import XGBClassifier

from degnext.errors import DEGnextInputError

RULE = "logfc_sign"
SCALING_KEY = "scaling"
SCALINGS = ("none", "columns", "rows")
CALIBRATED = ("svc",)
CALIBRATION_FOLDS = 5


def _decision_tree(seed: int, n_jobs: int) -> BaseEstimator:
    return DecisionTreeClassifier(random_state=seed)


def _knn(seed: int, n_jobs: int) -> BaseEstimator:
    return KNeighborsClassifier(n_jobs=n_jobs)


def _random_forest(seed: int, n_jobs: int) -> BaseEstimator:
    return RandomForestClassifier(random_state=seed, n_jobs=n_jobs)


def _svc(seed: int, n_jobs: int) -> BaseEstimator:
    return SVC(random_state=seed)


def _xgboost(seed: int, n_jobs: int) -> BaseEstimator:
    return XGBClassifier(
        random_state=seed, n_jobs=n_jobs, tree_method="hist", eval_metric="logloss"
    )


def _logistic_regression(seed: int, n_jobs: int) -> BaseEstimator:
    return LogisticRegression(random_state=seed)


def _naive_bayes(seed: int, n_jobs: int) -> BaseEstimator:
    return GaussianNB()


# name -> (constructor, default scaling)
MODELS: dict[str, tuple[Callable[[int, int], BaseEstimator], str]] = {
    "decision_tree": (_decision_tree, "none"),
    "knn": (_knn, "columns"),
    "random_forest": (_random_forest, "none"),
    "svc": (_svc, "columns"),
    "xgboost": (_xgboost, "none"),
    "logistic_regression": (_logistic_regression, "columns"),
    "naive_bayes": (_naive_bayes, "none"),
}


def _row_zscore(X: np.ndarray) -> np.ndarray:
    """Each gene's vector centered and scaled by its own sd (a constant row becomes zeros)."""
    X = np.asarray(X, dtype=np.float64)
    sd = X.std(axis=1, keepdims=True)
    return (X - X.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)


def _scaler(scaling: str) -> BaseEstimator | None:
    if scaling == "columns":
        return StandardScaler()
    if scaling == "rows":
        return FunctionTransformer(_row_zscore)
    return None


def make_baseline(name: str, params: dict, *, seed: int, n_jobs: int) -> ClassifierMixin:
    """An unfitted classifier with predict_proba; ``params`` are its hyperparameters (from conf)."""
    if name not in MODELS:
        raise DEGnextInputError(
            f"parameter baselines.models: unknown baseline {name!r}; choose from {sorted(MODELS)}"
        )
    build, default_scaling = MODELS[name]
    settings = dict(params or {})
    scaling = settings.pop(SCALING_KEY, default_scaling)
    if scaling not in SCALINGS:
        raise DEGnextInputError(
            f"parameter baselines.models.{name}.{SCALING_KEY}: {scaling!r} is not one of {SCALINGS}"
        )
    estimator = build(seed, n_jobs)
    unknown = sorted(set(settings) - set(estimator.get_params()))
    if unknown:
        raise DEGnextInputError(
            f"parameter baselines.models.{name}: unknown hyperparameter(s) {unknown} for "
            f"{type(estimator).__name__}"
        )
    estimator.set_params(**settings)
    if name in CALIBRATED:
        estimator = CalibratedClassifierCV(
            estimator, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False, n_jobs=n_jobs
        )
    scaler = _scaler(scaling)
    return estimator if scaler is None else Pipeline([("scale", scaler), ("model", estimator)])


def _check_features(X: np.ndarray, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DEGnextInputError(
            f"{what}: expected a non-empty genes x samples matrix, got {X.shape}"
        )
    if not np.isfinite(X).all():
        raise DEGnextInputError(f"{what}: contains NaN or infinite values")
    return X


def fit_baseline(
    name: str,
    params: dict,
    X_train: np.ndarray,
    y_train: np.ndarray,
    *,
    seed: int,
    n_jobs: int,
) -> ClassifierMixin:
    """Fit one baseline on exactly the given rows (binary labels: 0 = DR, 1 = UR).

    The lead passes T1's UR/DR rows plus F1 — the rows the general-learning CNN saw — with T1's
    neutral rows dropped, since a binary baseline has no class for them.
    """
    X = _check_features(X_train, f"baseline {name!r} training rows")
    y = np.asarray(y_train)
    if y.shape != (X.shape[0],):
        raise DEGnextInputError(
            f"baseline {name!r}: {y.shape} labels for {X.shape[0]} training rows"
        )
    if not np.isin(y, (0, 1)).all() or len(np.unique(y)) != 2:
        raise DEGnextInputError(
            f"baseline {name!r}: training labels must be 0 (DR) and 1 (UR), both present; "
            f"got values {sorted(np.unique(y).tolist())}"
        )
    estimator = make_baseline(name, params, seed=seed, n_jobs=n_jobs)
    return estimator.fit(X, y.astype(np.int64))


def predict_up_probability(estimator: ClassifierMixin, X: np.ndarray) -> np.ndarray:
    """P(UR) for every row, from the fitted estimator's predict_proba."""
    X = _check_features(X, "rows to predict")
    classes = list(estimator.classes_)
    return estimator.predict_proba(X)[:, classes.index(1)]


def logfc_sign_rule(X: np.ndarray, n_normal: int) -> np.ndarray:
    """A no-training score: UR when the tumor mean exceeds the normal mean.

    Score = logistic((mean_tumor - mean_normal) / pooled_sd), so it is >= 0.5 exactly when the
    tumor mean is at least the normal mean (the sign of edgeR's logFC on these normalized values)
    and it ranks genes by effect size for ROC curves. A gene with zero pooled sd scores 1, 0.5 or 0
    by the sign of the difference. Columns: ``n_normal`` normal samples first, then tumor.
    """
    X = _check_features(X, "rows for the logFC-sign rule")
    n_tumor = X.shape[1] - n_normal
    if n_normal < 1 or n_tumor < 1 or X.shape[1] < 3:
        raise DEGnextInputError(
            f"logFC-sign rule: n_normal={n_normal} of {X.shape[1]} columns leaves no pooled sd "
            "(needs >= 1 normal, >= 1 tumor and >= 3 samples)"
        )
    normal, tumor = X[:, :n_normal], X[:, n_normal:]
    difference = tumor.mean(axis=1) - normal.mean(axis=1)
    squares = ((normal - normal.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) + (
        (tumor - tumor.mean(axis=1, keepdims=True)) ** 2
    ).sum(axis=1)
    pooled_sd = np.sqrt(squares / (X.shape[1] - 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(pooled_sd > 0, difference / pooled_sd, np.sign(difference) * np.inf)
    z = np.nan_to_num(z, nan=0.0, posinf=np.inf, neginf=-np.inf)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def quantile_profile(X: np.ndarray, n_normal: int, n_quantiles: int) -> np.ndarray:
    """A fixed-length view of gene rows whose sample counts differ from cohort to cohort.

    Transfer baselines train on some cohorts and predict others, so a gene cannot be described by
    its raw samples (the CNN copes through adaptive pooling; a classical model needs one feature
    width). Each gene becomes the ``n_quantiles`` evenly spaced quantiles (0 %, ..., 100 %) of its
    log2(1 + value) in the normal columns, then the same in the tumor columns: 2 * ``n_quantiles``
    features that keep the group levels and spreads the UR/DR call depends on. Negative values
    (only after added noise) count as 0. Columns: ``n_normal`` normal samples first, then tumor.
    """
    X = _check_features(X, "rows for the quantile profile")
    if not 1 <= n_normal < X.shape[1]:
        raise DEGnextInputError(
            f"quantile profile: n_normal={n_normal} of {X.shape[1]} columns leaves a group empty"
        )
    if n_quantiles < 2:
        raise DEGnextInputError(
            f"parameter baselines.transfer.n_quantiles: {n_quantiles} (need at least 2: min, max)"
        )
    logged = np.log2(1.0 + np.maximum(X, 0.0))
    levels = np.linspace(0.0, 1.0, n_quantiles)
    normal = np.quantile(logged[:, :n_normal], levels, axis=1).T
    tumor = np.quantile(logged[:, n_normal:], levels, axis=1).T
    return np.hstack([normal, tumor])


def add_gaussian_noise(X: np.ndarray, level_percent: float, rng: np.random.Generator) -> np.ndarray:
    """X plus Gaussian noise whose sd is ``level_percent`` % of each gene row's own sd.

    This is the robustness experiment's "% standard deviation" (paper: 1, 10, 50, 100, 500, 1000,
    1500 %): noise for gene g is N(0, (level/100 * sd_g)^2), sd_g the sample sd (ddof=1) of that
    gene's row in X, so every gene is perturbed relative to its own spread. Level 0 returns a copy.
    """
    X = np.asarray(X)
    if not np.isfinite(level_percent) or level_percent < 0:
        raise DEGnextInputError(
            f"parameter robustness.noise_levels: {level_percent!r} is not a non-negative percent"
        )
    if level_percent == 0:
        return X.copy()
    if X.ndim != 2 or X.shape[1] < 2:
        raise DEGnextInputError(
            f"noise: need a genes x samples matrix with >= 2 samples, got {X.shape}"
        )
    sd = X.astype(np.float64).std(axis=1, ddof=1, keepdims=True)
    noise = rng.standard_normal(X.shape) * (level_percent / 100.0) * sd
    return (X + noise).astype(X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64)


def normal_count(expression: pd.DataFrame, samples: pd.DataFrame) -> int:
    """How many leading columns of ``expression`` are normal samples."""
    condition = samples.set_index("barcode")["condition"].reindex(expression.columns)
    return int((condition == "normal").sum())


def up_probabilities(models: dict, features: np.ndarray, n_normal: int) -> dict[str, np.ndarray]:
    """P(UR) of every fitted baseline and of the logFC-sign rule for the given rows."""
    scores = {name: predict_up_probability(model, features) for name, model in models.items()}
    scores[RULE] = logfc_sign_rule(features, n_normal)
    return scores

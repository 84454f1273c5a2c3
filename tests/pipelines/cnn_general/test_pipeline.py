"""General learning in memory: k-fold CV on T1, fine-tune on F1, scores on T3, per cohort."""

import numpy as np
import torch

from degnext.nn.model import DEGnext
from tests.pipelines.metrics_ranges import assert_binary_metrics


def _rows(splits, *sets):
    return splits[splits["set"].isin(sets)]


def test_only_the_general_cohorts_get_models_and_metrics(cnn_general_run, groups):
    assert groups["general"] == ["A", "C"]
    assert {key.split(".")[0] for key in cnn_general_run} == {"A", "C"}


def test_t3_predictions_and_metrics_cover_t3(cnn_general_run, splitting_run, groups):
    for name in groups["general"]:
        t3 = _rows(splitting_run[f"{name}.splits"], "T3")
        predictions = cnn_general_run[f"{name}.general_predictions"]
        assert list(predictions["gene_id"]) == list(t3["gene_id"])
        assert list(predictions["label"]) == list(t3["label"])
        assert predictions["p_up"].between(0, 1).all()
        assert (predictions["call"] == np.where(predictions["logit"] >= 0, "UR", "DR")).all()
        metrics = cnn_general_run[f"{name}.general_metrics"]
        assert_binary_metrics(metrics, len(t3))
        assert metrics["n_up"] == (predictions["call"] == "UR").sum()
        correct = (predictions["predicted"] == predictions["label"]).mean()
        assert np.isclose(metrics["accuracy"], 100 * correct)


def test_one_model_per_fold_the_best_one_fine_tuned_and_the_fold_mean(
    cnn_general_run, splitting_run, parameters, groups
):
    n_folds = parameters["splitting"]["n_folds"]
    epochs = parameters["cnn_general"]["fine_tune"]["epochs"]
    for name in groups["general"]:
        folds = cnn_general_run[f"{name}.cv_folds"]
        assert list(folds["fold"]) == list(range(n_folds)) and folds["best"].sum() == 1
        models = cnn_general_run[f"{name}.first_level_fold_models"]
        assert sorted(models) == [f"fold_{fold}" for fold in range(n_folds)]
        assert all(isinstance(load(), DEGnext) for load in models.values())
        scores = cnn_general_run[f"{name}.t3_fold_metrics"]
        assert list(scores["fold"]) == [*map(str, range(n_folds)), "mean"]
        per_fold, mean = scores.iloc[:-1], scores.iloc[-1]
        assert np.isclose(mean["accuracy"], per_fold["accuracy"].mean())
        best = per_fold[per_fold["best"]].iloc[0]
        assert np.isclose(best["accuracy"], cnn_general_run[f"{name}.general_metrics"]["accuracy"])
        assert list(cnn_general_run[f"{name}.fine_tune_history"]["epoch"]) == [
            *range(1, epochs + 1)
        ]
        t2 = cnn_general_run[f"{name}.t2_metrics"]
        assert t2["n"] == len(_rows(splitting_run[f"{name}.splits"], "T2"))
        assert 0 <= t2["accuracy"] <= 100


def test_the_general_model_has_the_binary_head_over_the_cohorts_samples(
    cnn_general_run, labeling_run, groups
):
    for name in groups["general"]:
        expression = labeling_run[f"{name}.expression"]
        first_level = cnn_general_run[f"{name}.first_level_model"]
        model = cnn_general_run[f"{name}.general_model"]
        rows = torch.from_numpy(expression.to_numpy()[:5])
        with torch.no_grad():
            assert first_level(rows).shape == (5, 3)
            assert model(rows).shape == (5,)
        assert model.is_binary and not first_level.is_binary
        assert model.config.n_inputs == expression.shape[1]

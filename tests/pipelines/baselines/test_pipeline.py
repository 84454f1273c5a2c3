"""Baselines in memory: every configured model and the sign rule, on T3 and on the untrained Q."""

from tests.pipelines.metrics_ranges import assert_binary_metrics

RULE = "logfc_sign"


def test_every_model_and_the_sign_rule_is_scored_on_t3(
    baselines_run, splitting_run, parameters, groups
):
    models = list(parameters["baselines"]["models"])
    for name in groups["general"]:
        assert list(baselines_run[f"{name}.baseline_models"]) == models
        n_t3 = (splitting_run[f"{name}.splits"]["set"] == "T3").sum()
        table = baselines_run[f"{name}.baseline_metrics"]
        assert list(table["model"]) == [*models, RULE]
        for scores in table.to_dict("records"):
            assert_binary_metrics(scores, n_t3)
        predictions = baselines_run[f"{name}.baseline_predictions"]
        assert len(predictions) == n_t3 * (len(models) + 1)
        assert predictions["p_up"].between(0, 1).all()


def test_transfer_baselines_train_once_and_score_the_untrained_q(
    baselines_run, splitting_run, parameters
):
    models = list(parameters["baselines"]["models"])
    assert list(baselines_run["transfer.baseline_models"]) == models
    n_q = splitting_run["C.splits"]["set"].isin(["F1", "T3"]).sum()
    table = baselines_run["C.transfer_baseline_metrics"]
    assert list(table["model"]) == [*models, RULE]
    for scores in table.to_dict("records"):
        assert_binary_metrics(scores, n_q)
    assert "A.transfer_baseline_metrics" not in baselines_run  # train cohorts are not scored on Q


def test_the_sign_rule_agrees_with_the_labels_it_comes_from(baselines_run, groups):
    """The labels are the sign of the DEA fold change, so the rule is (nearly) always right."""
    for name in groups["general"]:
        table = baselines_run[f"{name}.baseline_metrics"].set_index("model")
        assert table.loc[RULE, "accuracy"] >= 90

"""Robustness in memory: accuracy on noisy T3 for the CNN and every baseline, per level and seed."""

import numpy as np


def test_one_row_per_model_level_and_seed(robustness_run, baselines_run, parameters, groups):
    settings = parameters["robustness"]
    for name in groups["general"]:
        table = robustness_run[f"{name}.robustness"]
        models = [*baselines_run[f"{name}.baseline_metrics"]["model"], "DEGnext"]
        assert set(table["model"]) == set(models)
        clean = table[table["noise_level"] == 0]
        assert sorted(clean["model"]) == sorted(models) and set(clean["seed"]) == {
            settings["seeds"][0]
        }
        noisy = table[table["noise_level"] > 0]
        assert len(noisy) == len(models) * len(settings["noise_levels"]) * len(settings["seeds"])
        assert set(noisy["noise_level"]) == set(settings["noise_levels"])
        assert table["accuracy"].between(0, 100).all()


def test_without_noise_the_accuracies_are_those_of_general_learning_and_the_baselines(
    robustness_run, cnn_general_run, baselines_run, groups
):
    for name in groups["general"]:
        clean = robustness_run[f"{name}.robustness"].query("noise_level == 0").set_index("model")
        general = cnn_general_run[f"{name}.general_metrics"]["accuracy"]
        assert np.isclose(clean.loc["DEGnext", "accuracy"], general)
        baselines = baselines_run[f"{name}.baseline_metrics"].set_index("model")["accuracy"]
        assert np.allclose(clean.loc[baselines.index, "accuracy"], baselines)

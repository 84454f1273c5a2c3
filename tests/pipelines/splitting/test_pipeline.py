"""The splitting pipeline in memory: every labeled gene in exactly one of T1, T2, F1, T3."""

import math

import pandas as pd

from degnext.data.splits import SPLIT_COLUMNS
from degnext.pipelines import splitting
from tests.pipelines.in_memory import run_in_memory


def test_every_gene_is_in_one_set_q_in_f1_and_t3_folds_on_t1(
    splitting_run, labeling_run, parameters
):
    n_folds = parameters["splitting"]["n_folds"]
    for name in parameters["cohorts"]:
        splits = splitting_run[f"{name}.splits"]
        dea = labeling_run[f"{name}.dea_results"].set_index("gene_id")
        assert list(splits.columns) == SPLIT_COLUMNS
        assert sorted(splits["gene_id"]) == sorted(dea.index)
        assert set(splits["set"]) == {"T1", "T2", "F1", "T3"}
        in_q = splits["set"].isin(["F1", "T3"])
        assert (dea.loc[splits["gene_id"], "bio_validated"].to_numpy() == in_q.to_numpy()).all()
        assert set(splits.loc[in_q, "label"]) == {0, 1}
        t1 = splits["set"] == "T1"
        assert set(splits.loc[t1, "fold"]) == set(range(n_folds))
        assert (splits.loc[~t1, "fold"] == -1).all()
        assert (splits["label"].to_numpy() == dea.loc[splits["gene_id"], "label"].to_numpy()).all()


def test_test_sets_are_a_stratified_fifth(splitting_run, parameters):
    """T2 is ``test_fraction`` of P and T3 of Q, rounded up, each label within one gene of it."""
    fraction = parameters["splitting"]["test_fraction"]
    for name in parameters["cohorts"]:
        counts = splitting_run[f"{name}.splits"].groupby(["set", "label"]).size()
        for train, test in (("T1", "T2"), ("F1", "T3")):
            both = counts[train].add(counts[test], fill_value=0)
            assert counts[test].sum() == math.ceil(fraction * both.sum())
            for label, total in both.items():
                assert abs(counts[test].get(label, 0) - fraction * total) <= 1, (name, test, label)


def test_splits_are_deterministic_and_follow_the_seed(splitting_run, labeling_run, parameters):
    again = run_in_memory(splitting.create_pipeline(["A"]), parameters, labeling_run)
    pd.testing.assert_frame_equal(again["A.splits"], splitting_run["A.splits"])
    reseeded = {**parameters, "splitting": {**parameters["splitting"], "seed": 6}}
    other = run_in_memory(splitting.create_pipeline(["A"]), reseeded, labeling_run)
    assert not other["A.splits"].equals(splitting_run["A.splits"])

import numpy as np
import pandas as pd
import pytest

from degnext.errors import DEGnextInputError
from degnext.pipelines.splitting.nodes import split_genes

PARAMS = {"test_fraction": 0.2, "n_folds": 5, "seed": 3}


def dea_table(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.choice([0, 1, 2], size=n, p=[0.3, 0.3, 0.4])
    bio = (label != 2) & (rng.random(n) < 0.3)
    return pd.DataFrame(
        {"gene_id": [f"G{i}" for i in range(n)], "symbol": [f"S{i}" for i in range(n)],
         "label": label, "bio_validated": bio}
    )  # fmt: skip


def test_sets_are_disjoint_and_cover_every_gene():
    table = dea_table()
    splits = split_genes(table, PARAMS, name="X")
    assert splits["gene_id"].is_unique
    assert set(splits["gene_id"]) == set(table["gene_id"])


def test_q_goes_to_f1_t3_and_p_to_t1_t2_in_80_20():
    table = dea_table()
    splits = split_genes(table, PARAMS, name="X").merge(table[["gene_id", "bio_validated"]])
    assert set(splits.loc[splits["bio_validated"], "set"]) == {"F1", "T3"}
    assert set(splits.loc[~splits["bio_validated"], "set"]) == {"T1", "T2"}
    counts = splits["set"].value_counts()
    assert counts["T2"] == pytest.approx(0.2 * (counts["T1"] + counts["T2"]), abs=1)
    assert counts["T3"] == pytest.approx(0.2 * (counts["F1"] + counts["T3"]), abs=1)
    assert set(splits.loc[splits["set"].isin(["F1", "T3"]), "label"]) == {0, 1}


def test_stratified_label_proportions():
    splits = split_genes(dea_table(5000), PARAMS, name="X")
    shares = splits.groupby("set")["label"].value_counts(normalize=True)
    for label in (0, 1, 2):
        assert shares["T1"][label] == pytest.approx(shares["T2"][label], abs=0.01)


def test_folds_only_on_t1_balanced_and_stratified():
    splits = split_genes(dea_table(5000), PARAMS, name="X")
    t1 = splits[splits["set"] == "T1"]
    assert (splits.loc[splits["set"] != "T1", "fold"] == -1).all()
    sizes = t1["fold"].value_counts()
    assert sorted(sizes.index) == [0, 1, 2, 3, 4] and sizes.max() - sizes.min() <= 3
    shares = t1.groupby("fold")["label"].value_counts(normalize=True).unstack()
    assert (shares.max() - shares.min()).max() < 0.01


def test_same_seed_same_split_other_seed_differs():
    table = dea_table()
    first = split_genes(table, PARAMS, name="X")
    pd.testing.assert_frame_equal(first, split_genes(table, PARAMS, name="X"))
    other = split_genes(table, {**PARAMS, "seed": 4}, name="X")
    assert not first.equals(other)


def test_cohort_override_wins():
    from degnext.cohorts import node_parameters

    parameters = {
        "cohorts": {"X": {"role": "train", "splitting": {"n_folds": 3}}},
        "splitting": PARAMS,
    }
    merged = node_parameters(parameters)["X.splitting"]
    assert merged == {**PARAMS, "n_folds": 3}
    assert split_genes(dea_table(), merged, name="X")["fold"].max() == 2


def test_empty_q_names_the_cohort():
    table = dea_table().assign(bio_validated=False)
    with pytest.raises(DEGnextInputError, match="cohort 'X'.*disease_genes"):
        split_genes(table, PARAMS, name="X")

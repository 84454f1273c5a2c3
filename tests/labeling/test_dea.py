import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from degnext.errors import DEGnextInputError
from degnext.labeling.dea import (
    DESEQ2_COLUMNS,
    EDGER_COLUMNS,
    bh_fdr,
    deseq2,
    exact_test,
    fit_one_group,
    label_genes,
)


def _nb_cohort(n_genes=300, n_normal=4, n_tumor=5, seed=3):
    rng = np.random.default_rng(seed)
    base = rng.gamma(1.0, 300, n_genes)
    fold = np.ones(n_genes)
    fold[:30], fold[30:60] = 8.0, 1 / 8
    mu = np.hstack([np.outer(base, np.ones(n_normal)), np.outer(base * fold, np.ones(n_tumor))])
    counts = rng.negative_binomial(5, 5 / (5 + mu))
    samples = [f"N{i}" for i in range(n_normal)] + [f"T{i}" for i in range(n_tumor)]
    frame = pd.DataFrame(counts, index=[f"g{i}" for i in range(n_genes)], columns=samples)
    condition = pd.Series(["normal"] * n_normal + ["tumor"] * n_tumor, index=samples)
    return frame, condition


def test_exact_test_finds_planted_changes():
    counts, condition = _nb_cohort()
    table = exact_test(counts, condition)
    assert list(table.columns) == ["logFC", "logCPM", "PValue", "FDR"]
    labels = label_genes(table, 0.01)
    assert (labels.iloc[:30] == 1).mean() > 0.8 and (labels.iloc[30:60] == 0).mean() > 0.8
    assert (labels.iloc[60:] == 2).mean() > 0.95
    assert 0 < table.attrs["common_dispersion"] < 1


def test_fit_one_group_matches_mean_without_dispersion():
    y = np.array([[2.0, 4.0], [0.0, 0.0]])
    beta = fit_one_group(y, np.log(np.array([10.0, 10.0])), 0.0)
    assert beta[0] == pytest.approx(np.log(0.3)) and beta[1] == -np.inf


def test_group_with_one_sample_is_an_error():
    counts, condition = _nb_cohort(n_normal=1)
    with pytest.raises(DEGnextInputError, match="'normal' has 1 sample"):
        exact_test(counts, condition)


def test_label_values():
    dea = pd.DataFrame({"logFC": [2.0, -2.0, 2.0], "FDR": [0.001, 0.001, 0.5]})
    assert label_genes(dea).tolist() == [1, 0, 2]


def test_deseq2_same_columns_and_direction():
    counts, condition = _nb_cohort(n_genes=120)
    table = deseq2(counts, condition, seed=0)
    assert list(table.columns) == [*EDGER_COLUMNS, *DESEQ2_COLUMNS]
    # the common columns are DESeq2's own numbers under edgeR's names
    assert table["logFC"].to_numpy() == pytest.approx(table["log2FoldChange"].to_numpy())
    assert table["PValue"].to_numpy() == pytest.approx(table["pvalue"].fillna(1.0).to_numpy())
    assert (table["lfcSE"] > 0).all() and (table["baseMean"] > 0).all()
    assert table["stat"].to_numpy() == pytest.approx(
        (table["log2FoldChange"] / table["lfcSE"]).to_numpy(), rel=1e-6
    )
    assert (table["logFC"].iloc[:30] > 0).mean() > 0.9


def test_bh_fdr_is_r_p_adjust_bh_exactly():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2, 0.04), "BH") = 0.05 0.05 0.05 0.20 0.05
    np.testing.assert_allclose(
        bh_fdr(np.array([0.01, 0.04, 0.03, 0.2, 0.04])), [0.05, 0.05, 0.05, 0.2, 0.05], rtol=1e-15
    )
    rng = np.random.default_rng(0)
    p = rng.uniform(size=5000) ** 3
    p[:2000] = np.round(p[:2000], 2)  # ties
    np.testing.assert_array_equal(bh_fdr(p), false_discovery_control(p, method="bh"))
    assert bh_fdr(np.array([0.9, 0.95])).tolist() == [0.95, 0.95]

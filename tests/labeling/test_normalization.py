import numpy as np
import pandas as pd
import pytest

from degnext.errors import DEGnextInputError
from degnext.labeling.normalization import (
    normalize,
    quantile_filter,
    r_mean,
    r_quantile_sorted,
    tcgabiolinks_row_names,
)


def _cohort(n_genes=200, n_samples=6, seed=1):
    rng = np.random.default_rng(seed)
    genes = [f"ENSG{i:011d}.{i % 3 + 1}" for i in range(n_genes)]
    counts = pd.DataFrame(
        rng.negative_binomial(2, 0.01, size=(n_genes, n_samples)),
        index=genes,
        columns=[f"s{j}" for j in range(n_samples)],
    )
    info = pd.DataFrame(
        {
            "gene_length": rng.integers(300, 9000, n_genes).astype(float),
            "gc_content": rng.uniform(0.3, 0.6, n_genes),
        },
        index=[g.split(".")[0] for g in genes],
    )
    return counts, info


def test_r_quantile_type7():
    x = np.sort(np.array([1.0, 2.0, 4.0, 10.0]))
    assert r_quantile_sorted(x, 0.75) == pytest.approx(np.quantile(x, 0.75))
    assert r_quantile_sorted(np.array([0.0, 0.0, 1.0]), 0.75, transform=np.log) == -np.inf
    assert r_mean(np.array([1.0, 2.0, 4.0])) == pytest.approx(7 / 3)


def test_row_names_like_tcgabiolinks():
    ids = pd.Index(["?|100", "A1BG|1", "DUP|7", "DUP|8"])
    assert list(tcgabiolinks_row_names(ids)) == ["100", "A1BG", "DUP.7", "DUP.8"]
    assert list(tcgabiolinks_row_names(pd.Index(["ENSG01.5"]))) == ["ENSG01"]


def test_gene_length_returns_rounded_input_without_zero_rows():
    counts, info = _cohort()
    counts.iloc[0] = 0
    out = normalize(counts, info, "geneLength")
    assert "ENSG00000000000" not in out.index
    assert (out.to_numpy() == counts.set_axis(info.index).loc[out.index].to_numpy()).all()


def test_gene_length_rounds_half_to_even_keeps_first_duplicate_and_leaves_input_alone():
    counts, info = _cohort()
    counts = counts.astype(float) + 0.5
    counts = pd.concat([counts, counts.iloc[:2] + 7], axis=0)  # repeated gene ids: first wins
    counts["s0_copy"] = 1.0
    counts = counts.rename(columns={"s0_copy": "s0"})  # a repeated barcode: first wins
    before = counts.copy()
    out = normalize(counts, info, "geneLength")
    pd.testing.assert_frame_equal(counts, before)
    assert out.dtypes.unique().tolist() == [np.dtype(np.int64)]
    assert out.index.is_unique and out.columns.tolist() == [f"s{j}" for j in range(6)]
    first = counts.iloc[:200, :6].set_axis(info.index)
    expected = np.round(first.loc[out.index].to_numpy())  # 2.5 -> 2, 3.5 -> 4
    assert (out.to_numpy() == expected).all()
    assert len(out) > 150


def test_gc_content_gives_common_sample_distribution():
    counts, info = _cohort()
    out = normalize(counts, info, "gcContent")
    sorted_cols = np.sort(out.to_numpy(), axis=0)
    assert (sorted_cols == sorted_cols[:, :1]).all()


def test_bad_method_and_unknown_genes():
    counts, info = _cohort()
    with pytest.raises(DEGnextInputError, match="method"):
        normalize(counts, info, "tmm")
    with pytest.raises(DEGnextInputError, match="no gene survives"):
        normalize(counts, info.set_axis([f"X{i}" for i in range(len(info))]), "geneLength")


def test_quantile_filter_strictly_above_quantile():
    matrix = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5]})
    assert quantile_filter(matrix, 0.25).index.tolist() == [2, 3, 4]

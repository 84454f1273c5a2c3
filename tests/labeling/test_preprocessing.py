import numpy as np
import pandas as pd
import pytest

from degnext.data.annotations import load_gencode
from degnext.errors import DEGnextInputError
from degnext.labeling.preprocessing import (
    map_to_hgnc,
    sample_outliers,
    strip_version,
    validate_counts,
)


def _counts(values, genes=None, samples=None) -> pd.DataFrame:
    values = np.asarray(values)
    genes = genes or [f"g{i}" for i in range(values.shape[0])]
    samples = samples or [f"s{j}" for j in range(values.shape[1])]
    return pd.DataFrame(values, index=pd.Index(genes, name="gene_id"), columns=samples)


@pytest.mark.parametrize("value, word", [(1.5, "non-integer"), (-1, "negative"), (np.nan, "NaN")])
def test_validate_counts_names_bad_cell(value, word):
    counts = _counts([[1.0, 2.0], [3.0, 4.0]])
    counts.iloc[1, 0] = value
    with pytest.raises(DEGnextInputError, match=f"{word}.*'g1'.*'s0'"):
        validate_counts(counts, "raw_counts")


def test_validate_counts_duplicated_barcode():
    counts = _counts([[1, 2], [3, 4]], samples=["TCGA-1", "TCGA-1"])
    with pytest.raises(DEGnextInputError, match="duplicated sample barcode.*TCGA-1"):
        validate_counts(counts)


def test_validate_counts_accepts_integers():
    validate_counts(_counts([[0, 2], [3, 4]]))


def test_sample_outliers_drops_shuffled_sample():
    rng = np.random.default_rng(0)
    base = rng.gamma(0.5, 200, size=500)
    values = rng.poisson(np.outer(base, np.ones(6)))
    values[:, 5] = rng.permutation(values[:, 5])
    kept, report = sample_outliers(_counts(values), cor_cut=0.6)
    assert list(kept.columns) == ["s0", "s1", "s2", "s3", "s4"]
    assert not report.loc[5, "kept"] and report.loc[5, "reason"]
    assert report.loc[0, "mean_correlation"] > 0.8


def test_strip_version_and_par_y():
    ids = strip_version(["ENSG00000223972.5", "ENSG00000182378.14_PAR_Y", "ENSG1"])
    assert list(ids) == ["ENSG00000223972", "ENSG00000182378", "ENSG1"]


ANNOTATION = pd.DataFrame(
    {
        "gene_id": ["ENSG01.1", "ENSG02.3", "ENSG02.3_PAR_Y", "ENSG03.1", "ENSG04.2"],
        "gene_name": ["AAA", "BBB", "BBB", "NOVEL", "AAA"],
        "gene_type": ["protein_coding"] * 5,
        "hgnc_id": ["HGNC:1", "HGNC:2", "HGNC:2", "NA", "HGNC:1"],
    }
)


def test_map_to_hgnc_resolves_duplicates():
    counts = _counts(
        [[5, 5], [1, 1], [0, 0], [9, 9], [7, 7]],
        genes=["ENSG01.1", "ENSG02.3", "ENSG02.3_PAR_Y", "ENSG03.1", "ENSG04.2"],
    )
    mapped, genes = map_to_hgnc(counts, annotation=ANNOTATION)
    assert list(mapped.index) == ["ENSG02", "ENSG04"]  # AAA: ENSG04 has the larger total
    assert dict(zip(genes.gene_id, genes.symbol, strict=True)) == {"ENSG02": "BBB", "ENSG04": "AAA"}
    assert mapped.loc["ENSG02"].tolist() == [1, 1]  # the chrX copy beats the empty PAR_Y copy


def test_map_to_hgnc_uses_given_names():
    counts = _counts([[5, 5], [1, 1]], genes=["ENSG01.1", "ENSG02.3"])
    names = pd.Series(["A-NEW", "B-NEW"], index=counts.index)
    _, genes = map_to_hgnc(counts, gene_names=names, annotation=ANNOTATION)
    assert genes.symbol.tolist() == ["A-NEW", "B-NEW"]


def test_map_to_hgnc_no_symbol_is_an_error():
    counts = _counts([[5, 5]], genes=["ENSG03.1"])
    with pytest.raises(DEGnextInputError, match="maps to an HGNC symbol"):
        map_to_hgnc(counts, annotation=ANNOTATION)


def test_map_to_hgnc_shipped_annotation():
    counts = _counts([[5, 5], [3, 3]], genes=["ENSG00000223972.5", "N_unmapped"])
    mapped, genes = map_to_hgnc(counts, annotation=load_gencode())
    assert genes.symbol.tolist() == ["DDX11L1"] and list(mapped.index) == ["ENSG00000223972"]

"""Parity with TCGAbiolinks 2.25.3 reference outputs (shared/reference/tcgabiolinks, see README)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degnext.data.annotations import load_gene_info
from degnext.labeling.dea import exact_test, label_genes
from degnext.labeling.normalization import normalize, quantile_filter
from degnext.labeling.preprocessing import sample_outliers
from tests.tiny_project import SHARED

REF = SHARED / "reference" / "tcgabiolinks"
SYN = REF / "synthetic_seed1"
BRCA = REF / "tcga_brca_10"

pytestmark = pytest.mark.skipif(not REF.is_dir(), reason=f"reference outputs absent: {REF}")


def _csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0)
    frame.index = frame.index.astype(str)
    return frame


@pytest.fixture(scope="module")
def synthetic_kept() -> pd.DataFrame:
    kept, _ = sample_outliers(_csv(SYN / "synthetic_counts.csv"), cor_cut=0.6)
    return kept


@pytest.fixture(scope="module")
def brca_gene_info() -> pd.DataFrame:
    info = pd.read_csv(BRCA / "gene_length_gc_entrez.tsv", sep="\t", dtype={"entrez_id": str})
    return info.set_index("entrez_id")


def _assert_matrix_parity(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert set(ours.index) == set(ref.index)
    equal = (ours.loc[ref.index, ref.columns].to_numpy() == ref.to_numpy()).mean()
    assert equal >= 0.999, f"only {equal:.5f} of entries equal"


def _assert_dea_parity(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    ours = ours.loc[ref.index]
    assert np.abs(ours["logFC"] - ref["logFC"]).max() < 1e-6
    assert np.abs(ours["logCPM"] - ref["logCPM"]).max() < 1e-6
    assert (np.abs(ours["PValue"] - ref["PValue"]) / ref["PValue"]).max() < 1e-6
    agree = (label_genes(ours) == label_genes(ref)).mean()
    assert agree >= 0.999


def _condition_from_barcodes(columns: pd.Index) -> pd.Series:
    return pd.Series(np.where(columns.str[13:15] == "11", "normal", "tumor"), index=columns)


def test_kept_samples_and_correlations(synthetic_kept):
    _, report = sample_outliers(_csv(SYN / "synthetic_counts.csv"), cor_cut=0.6)
    ref_cor = _csv(SYN / "preprocessing_sample_correlation.csv")["mean_spearman"]
    ours = report.set_index("barcode")["mean_correlation"].loc[ref_cor.index]
    assert np.abs(ours - ref_cor).max() < 1e-12
    ref_kept = pd.read_csv(SYN / "preprocessing_kept_samples.csv")["barcode"]
    assert set(synthetic_kept.columns) == set(ref_kept)


@pytest.mark.parametrize("method", ["geneLength", "gcContent"])
def test_synthetic_normalization(synthetic_kept, method):
    ours = normalize(synthetic_kept, load_gene_info(), method=method)
    _assert_matrix_parity(ours, _csv(SYN / f"normalized_{method}.csv"))


def test_synthetic_filtering(synthetic_kept):
    ours = quantile_filter(normalize(synthetic_kept, load_gene_info()), 0.25)
    assert set(ours.index) == set(_csv(SYN / "filtered_geneLength_q025.csv").index)


def test_synthetic_dea():
    filtered = _csv(SYN / "filtered_geneLength_q025.csv")
    # Normal = the -11A- samples, whatever their column order (the reference README says why).
    condition = _condition_from_barcodes(filtered.columns)
    assert (condition == "normal").sum() == 10
    _assert_dea_parity(exact_test(filtered, condition), _csv(SYN / "dea_exactTest_geneLength.csv"))


def test_brca_normalization_and_filtering(brca_gene_info):
    counts = _csv(BRCA / "counts_legacy_rsem.csv")
    ours = normalize(counts, brca_gene_info, method="geneLength")
    _assert_matrix_parity(ours, _csv(BRCA / "normalized_geneLength.csv"))
    filtered = quantile_filter(ours, 0.25)
    assert set(filtered.index) == set(_csv(BRCA / "filtered_geneLength_q025.csv").index)


def test_brca_dea():
    filtered = _csv(BRCA / "filtered_geneLength_q025.csv")
    ours = exact_test(filtered, _condition_from_barcodes(filtered.columns))
    _assert_dea_parity(ours, _csv(BRCA / "dea_exactTest.csv"))

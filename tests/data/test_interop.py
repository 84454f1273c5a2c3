"""nf-core/rnaseq merged gene counts and AnnData .h5ad as cohort sources, bad inputs included.

Fixtures are written by the tests, shaped like the tools' own outputs: nf-core's
salmon.merged.gene_counts.tsv (gene_id, gene_name, one fractional column per sample) with its
samplesheet (sample, fastq_1, fastq_2, strandedness, plus the user's condition column), and an
AnnData file with log-normalized X, raw counts in layers["counts"], obs and var.
"""

from __future__ import annotations

import logging
from pathlib import Path

import anndata
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from degnext.data.interop import integer_counts, read_anndata, read_nfcore_counts
from degnext.data.sources import load_cohort
from degnext.errors import DEGnextInputError

GENES = pd.DataFrame(
    {
        "gene_id": ["ENSG00000000003.15", "ENSG00000000005.6", "ENSG00000000419.13", "ENSG00000000457.14"],
        "gene_name": ["TSPAN6", "TNMD", "DPM1", "SCYL3"],
    }
)  # fmt: skip
SAMPLES = ["TUMOR_REP1", "NORMAL_REP1", "TUMOR_REP2", "NORMAL_REP2"]
CONDITIONS = ["tumor", "normal", "tumor", "normal"]
COUNTS = np.array([[10, 3, 12, 4], [0, 1, 0, 2], [250, 240, 260, 230], [7, 70, 8, 75]])


def write_nfcore(folder: Path, values: np.ndarray = COUNTS, columns: list[str] = SAMPLES) -> Path:
    """salmon.merged.gene_counts.tsv as nf-core/rnaseq writes it (salmon's fractional counts)."""
    table = pd.concat([GENES, pd.DataFrame(values, columns=columns)], axis=1)
    path = folder / "star_salmon" / "salmon.merged.gene_counts.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep="\t", index=False, float_format="%.3f")
    return path


def write_samplesheet(folder: Path, conditions: list[str] = CONDITIONS) -> Path:
    """nf-core's input samplesheet, with the condition column the user adds."""
    sheet = pd.DataFrame(
        {
            "sample": SAMPLES,
            "fastq_1": [f"{s}_R1.fastq.gz" for s in SAMPLES],
            "fastq_2": [f"{s}_R2.fastq.gz" for s in SAMPLES],
            "strandedness": "auto",
            "condition": conditions,
        }
    )
    path = folder / "samplesheet.csv"
    sheet.to_csv(path, index=False)
    return path


def write_h5ad(folder: Path, counts: np.ndarray = COUNTS, obs: dict | None = None, **kw) -> Path:
    """AnnData as scanpy users keep it: X log-normalized, raw counts in layers['counts']."""
    raw = counts.T.astype("float32")
    data = anndata.AnnData(
        X=np.log1p(np.abs(raw) / np.abs(raw).sum(axis=1, keepdims=True) * 1e4),
        obs=pd.DataFrame(obs or {"condition": CONDITIONS}, index=pd.Index(SAMPLES, name="sample")),
        var=GENES.set_index("gene_id"),
        layers={"counts": sparse.csr_matrix(raw) if kw.get("sparse") else raw},
    )
    path = folder / "cohort.h5ad"
    data.write_h5ad(path)
    return path


def test_nfcore_counts_with_samplesheet(tmp_path: Path) -> None:
    cohort = read_nfcore_counts(write_nfcore(tmp_path), write_samplesheet(tmp_path))
    assert list(cohort.counts.columns) == ["NORMAL_REP1", "NORMAL_REP2", "TUMOR_REP1", "TUMOR_REP2"]
    assert list(cohort.samples["condition"]) == ["normal", "normal", "tumor", "tumor"]
    assert cohort.counts.loc["ENSG00000000457.14"].tolist() == [70, 75, 7, 8]
    assert cohort.counts.dtypes.unique().tolist() == [np.dtype("int64")]
    assert cohort.genes.loc["ENSG00000000419.13", "gene_name"] == "DPM1"


def test_fractional_counts_are_refused_unless_rounding_is_asked_for(tmp_path, caplog) -> None:
    fractional = COUNTS + np.array([[0.0, 0.25, 0.0, 0.0]] + [[0.0] * 4] * 3)
    fractional[3, 2] = 8.5  # a half: rounds to even, as R's round() does
    path, sheet = write_nfcore(tmp_path, fractional), write_samplesheet(tmp_path)
    with pytest.raises(DEGnextInputError) as refused:
        read_nfcore_counts(path, sheet)
    message = str(refused.value)
    assert str(path) in message and "'NORMAL_REP1'" in message and "0.25" not in message
    assert "3.25" in message and "ENSG00000000003.15" in message and "round_fractional" in message
    with caplog.at_level(logging.WARNING, logger="degnext.data.interop"):
        cohort = read_nfcore_counts(path, sheet, round_fractional=True)
    assert "rounded 2 of 16 fractional counts" in caplog.text
    assert cohort.counts.loc["ENSG00000000003.15", "NORMAL_REP1"] == 3
    assert cohort.counts.loc["ENSG00000000457.14", "TUMOR_REP2"] == 8


@pytest.mark.parametrize(("cell", "shown"), [(-1.0, "-1.000"), (np.nan, ""), (np.inf, "inf")])
def test_negative_and_non_finite_counts_name_the_cell(tmp_path, cell, shown) -> None:
    values = COUNTS.astype(float)
    values[2, 3] = cell
    with pytest.raises(DEGnextInputError, match=rf"value '{shown}' for gene 'ENSG00000000419.13', sample 'NORMAL_REP2'"):  # fmt: skip
        read_nfcore_counts(write_nfcore(tmp_path, values), write_samplesheet(tmp_path))


def test_nfcore_layout_errors(tmp_path: Path) -> None:
    sheet = write_samplesheet(tmp_path)
    duplicated = write_nfcore(tmp_path, columns=["TUMOR_REP1", "NORMAL_REP1", "TUMOR_REP1", "NORMAL_REP2"])  # fmt: skip
    with pytest.raises(DEGnextInputError, match="sample 'TUMOR_REP1' appears more than once"):
        read_nfcore_counts(duplicated, sheet)
    no_names = tmp_path / "rsem.tsv"
    pd.DataFrame({"gene_id": ["g"], "S": [1]}).to_csv(no_names, sep="\t", index=False)
    with pytest.raises(DEGnextInputError, match="gene_id, gene_name, then one per sample"):
        read_nfcore_counts(no_names, sheet)
    with pytest.raises(DEGnextInputError, match="not TCGA barcodes.*sample_sheet"):
        read_nfcore_counts(write_nfcore(tmp_path))
    bad_condition = write_samplesheet(tmp_path, ["tumor", "control", "tumor", "normal"])
    with pytest.raises(DEGnextInputError, match=r"condition values \['control'\]"):
        read_nfcore_counts(write_nfcore(tmp_path), bad_condition)
    pd.DataFrame({"sample": SAMPLES}).to_csv(tmp_path / "bare.csv", index=False)
    with pytest.raises(DEGnextInputError, match="'sample_type' or 'condition' column"):
        read_nfcore_counts(write_nfcore(tmp_path), tmp_path / "bare.csv")


def test_nfcore_source_takes_its_parameters(tmp_path: Path) -> None:
    params = {"path": str(write_nfcore(tmp_path)), "sample_sheet": str(write_samplesheet(tmp_path))}
    assert load_cohort("nfcore", {**params, "round_fractional": False}).counts.shape == (4, 4)
    with pytest.raises(DEGnextInputError, match=r"unknown \['layer'\]"):
        load_cohort("nfcore", {**params, "layer": "counts"})


@pytest.mark.parametrize("is_sparse", [False, True])
def test_anndata_layer_and_obs_condition(tmp_path: Path, is_sparse: bool) -> None:
    path = write_h5ad(tmp_path, sparse=is_sparse)
    cohort = read_anndata(path, layer="counts")
    assert list(cohort.samples["barcode"]) == ["NORMAL_REP1", "NORMAL_REP2", "TUMOR_REP1", "TUMOR_REP2"]  # fmt: skip
    expected = pd.DataFrame(COUNTS, index=GENES["gene_id"], columns=SAMPLES)
    assert cohort.counts.equals(expected[list(cohort.counts.columns)].rename_axis("gene_id"))
    assert cohort.genes["gene_name"].tolist() == GENES["gene_name"].tolist()
    # X holds log-normalized values, not counts: read as counts, it is refused
    with pytest.raises(DEGnextInputError, match=r"AnnData file .*, X: fractional count"):
        read_anndata(path)


def test_anndata_sample_type_obs_and_samplesheet(tmp_path: Path) -> None:
    types = ["Primary Tumor", "Solid Tissue Normal", "Metastatic", "Solid Tissue Normal"]
    path = write_h5ad(tmp_path, obs={"sample_type": types})
    cohort = read_anndata(path, layer="counts")
    assert list(cohort.samples["barcode"]) == ["NORMAL_REP1", "NORMAL_REP2", "TUMOR_REP1"]
    sheet = write_samplesheet(tmp_path)
    assert len(read_anndata(path, layer="counts", sample_sheet=sheet).samples) == 4


def test_anndata_errors(tmp_path: Path) -> None:
    path = write_h5ad(tmp_path, obs={"donor": ["a", "b", "c", "d"]})
    with pytest.raises(DEGnextInputError, match=r"layer='raw'.*layers are \['counts'\]"):
        read_anndata(path, layer="raw")
    with pytest.raises(DEGnextInputError, match="no 'sample_type' or 'condition' column"):
        read_anndata(path, layer="counts")
    data = anndata.read_h5ad(path)
    data.obs_names = ["S1", "S2", "S1", "S3"]
    data.obs["condition"] = CONDITIONS
    data.write_h5ad(tmp_path / "dup.h5ad")
    with pytest.raises(DEGnextInputError, match="sample 'S1' appears more than once"):
        read_anndata(tmp_path / "dup.h5ad", layer="counts")
    negative = COUNTS.copy()
    negative[1, 0] = -5
    with pytest.raises(DEGnextInputError, match=r"layer 'counts': value '-5.0' for gene 'ENSG00000000005.6', sample 'TUMOR_REP1'"):  # fmt: skip
        read_anndata(write_h5ad(tmp_path, negative), layer="counts")
    (tmp_path / "text.h5ad").write_text("not hdf5")
    with pytest.raises(DEGnextInputError, match="not a readable AnnData"):
        read_anndata(tmp_path / "text.h5ad")


def test_integer_counts_reports_non_numeric_cells() -> None:
    values = pd.DataFrame({"S1": ["1", "x"], "S2": ["2", "3"]}, index=["g1", "g2"])
    with pytest.raises(DEGnextInputError, match="here: value 'x' for gene 'g2', sample 'S1'"):
        integer_counts(values, "here")

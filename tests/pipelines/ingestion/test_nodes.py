import pandas as pd
import pytest

from degnext.data.cohort import Cohort
from degnext.data.release import read_release
from degnext.data.sources import load_cohort
from degnext.errors import DEGnextInputError
from degnext.pipelines.ingestion.nodes import ingest_cohort, ingest_release
from degnext.pipelines.labeling.nodes import drop_outlier_samples

NO_GENES = pd.DataFrame({"symbol": pd.Series(dtype=str)})


def test_cohort_without_normal_samples_stops_naming_it(tmp_path):
    counts = pd.DataFrame(
        {"TCGA-AA-0001-01A": [5, 6], "TCGA-AA-0002-01A": [7, 8]},
        index=pd.Index(["ENSG00000141510", "ENSG00000012048"], name="gene_id"),
    )
    counts.to_csv(tmp_path / "counts.csv")
    with pytest.raises(DEGnextInputError, match="normal"):  # the reader refuses it first
        load_cohort("matrix", {"path": str(tmp_path / "counts.csv")})
    samples = pd.DataFrame({"barcode": counts.columns, "condition": ["tumor", "tumor"]})
    cohort = Cohort(counts, samples, pd.DataFrame(index=counts.index))
    with pytest.raises(DEGnextInputError, match="cohort 'NOPE' has no normal samples"):
        ingest_cohort(NO_GENES, cohort, name="NOPE")


def test_negative_or_missing_counts_stop_before_any_training():
    counts = pd.DataFrame(
        {"TCGA-AA-0001-11A": [5, -1], "TCGA-AA-0001-01A": [7, 8]},
        index=pd.Index(["G1", "G2"], name="gene_id"),
    )
    samples = pd.DataFrame({"barcode": counts.columns, "condition": ["normal", "tumor"]})
    with pytest.raises(DEGnextInputError, match="X.raw_counts"):
        drop_outlier_samples(counts, samples, {"cor_cut": 0.6}, name="X")
    with pytest.raises(DEGnextInputError, match="X.raw_counts"):
        drop_outlier_samples(
            counts.astype(float).where(counts >= 0), samples, {"cor_cut": 0.6}, name="X"
        )


def test_release_cohort_becomes_expression_splits_and_samples(shared):
    ingestion = {"sources": {"release": {"root": str(shared / "data/degnext_release")}}}
    splitting = {"n_folds": 5, "seed": 1, "test_fraction": 0.2}
    release = read_release(shared / "data/degnext_release", "BLCA")
    expression, splits, samples = ingest_release(
        release, {"release": {"n_normal": 19}}, ingestion, splitting, name="BLCA"
    )
    assert set(splits["set"]) == {"T1", "F1", "T3"}  # T2 stands in for the unreleased T1
    assert (
        splits.loc[splits["set"] == "T1", "fold"].value_counts().sort_index().index == range(5)
    ).all()
    assert expression.shape[1] == 433 and list(samples["condition"]).count("normal") == 19
    assert set(splits["gene_id"]) <= set(expression.index)
    with pytest.raises(DEGnextInputError, match="n_normal"):
        ingest_release(release, {"release": {"n_normal": 500}}, ingestion, splitting, "BLCA")


def test_counts_columns_missing_from_the_sample_sheet_are_named():
    counts = pd.DataFrame(
        {"TCGA-AA-0001-11A": [5, 1], "TCGA-AA-0009-01A": [7, 8]},
        index=pd.Index(["G1", "G2"], name="gene_id"),
    )
    samples = pd.DataFrame({"barcode": ["TCGA-AA-0001-11A"], "condition": ["normal"]})
    with pytest.raises(DEGnextInputError, match="TCGA-AA-0009-01A"):
        drop_outlier_samples(counts, samples, {"cor_cut": 0.6}, name="X")


def test_first_level_evaluation_without_t2_says_why(shared):
    from degnext.nn.model import DEGnext
    from degnext.pipelines.cnn_general.nodes import evaluate_first_level

    ingestion = {"sources": {"release": {"root": str(shared / "data/degnext_release")}}}
    expression, splits, _ = ingest_release(
        read_release(shared / "data/degnext_release", "ESCA"),
        {"release": {"n_normal": 11}},
        ingestion,
        {"n_folds": 5, "seed": 1},
        name="ESCA",
    )
    metrics = evaluate_first_level(
        DEGnext(expression.shape[1], seed=0), expression, splits, {"device": "cpu"}
    )
    assert metrics["n"] == 0 and "T2" in metrics["note"]

"""``kedro run`` of ingestion + labeling on each new source, and the GDC provenance entries.

One synthetic cohort is written three ways — a counts matrix, nf-core/rnaseq's merged salmon
counts (fractional, rounded on request) and an AnnData file — and must give the same labels.
"""

from __future__ import annotations

from pathlib import Path

import anndata
import numpy as np
import pandas as pd
import pytest
import yaml

from degnext.data import annotations
from degnext.data.gdc import MANIFEST_COLUMNS
from degnext.data.synthetic import Calibration, CohortSpec, generate_cohort
from tests.fake_gdc import COHORT, STATUS, FakeGdc
from tests.tiny_project import PROJECT, TINY_COHORTS, kedro, make_project


def synthetic_counts() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Counts (genes x samples, nf-core-style sample names), conditions and GENCODE gene names."""
    defaults = yaml.safe_load((PROJECT / "conf/base/parameters_ingestion.yml").read_text())
    calibration = Calibration(**defaults["ingestion"]["synthetic"]["calibration"])
    spec = CohortSpec("X", n_genes=1500, n_normal=8, n_tumor=14, outlier_probability=0.0, seed=9)
    cohort = generate_cohort(
        spec, calibration, annotations.load_gencode(), annotations.load_gene_info()
    )
    names = [f"{c.upper()}_REP{i + 1}" for i, c in enumerate(cohort.samples["condition"])]
    counts = cohort.counts.set_axis(names, axis=1)
    sheet = pd.DataFrame({"sample": names, "condition": cohort.samples["condition"].to_numpy()})
    return counts, sheet, cohort.genes.reset_index().set_index("gene_id")


@pytest.fixture(scope="module")
def labeled(tmp_path_factory) -> tuple[Path, str]:
    root = make_project(tmp_path_factory.mktemp("interop"))
    inputs = root / "inputs"
    inputs.mkdir()
    counts, sheet, genes = synthetic_counts()
    counts.rename_axis("gene_id").to_csv(inputs / "counts.tsv", sep="\t")
    sheet.rename(columns={"sample": "barcode"}).to_csv(inputs / "sheet.csv", index=False)
    # nf-core: salmon's estimated counts are fractional; these round back to the integers
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, counts.shape) * (counts > 0)
    salmon = (counts + jitter).round(3).reset_index()
    salmon.insert(1, "gene_name", genes.loc[counts.index, "gene_name"].to_numpy())
    (inputs / "star_salmon").mkdir()
    salmon.to_csv(inputs / "star_salmon/salmon.merged.gene_counts.tsv", sep="\t", index=False)
    sheet.assign(fastq_1="r1.fastq.gz", fastq_2="r2.fastq.gz", strandedness="auto").to_csv(
        inputs / "samplesheet.csv", index=False
    )
    raw = counts.T.to_numpy(dtype="float32")
    anndata.AnnData(
        X=np.log1p(raw / raw.sum(axis=1, keepdims=True) * 1e4),
        obs=sheet.set_index("sample"),
        var=genes.loc[counts.index, ["gene_name"]],
        layers={"counts": raw},
    ).write_h5ad(inputs / "cohort.h5ad")
    cohorts = {
        "MAT": {
            "source": "matrix",
            "matrix": {"path": "inputs/counts.tsv", "sample_sheet": "inputs/sheet.csv"},
        },  # fmt: skip
        "NFC": {
            "source": "nfcore",
            "nfcore": {
                "path": "inputs/star_salmon/salmon.merged.gene_counts.tsv",
                "sample_sheet": "inputs/samplesheet.csv",
                "round_fractional": True,
            },
        },
        "ADA": {"source": "anndata", "anndata": {"path": "inputs/cohort.h5ad", "layer": "counts"}},
    }
    params = yaml.safe_load((root / "conf/local/parameters.yml").read_text())
    params["cohorts"] = {  # A: a train cohort, which every configuration needs; not run here
        "A": TINY_COHORTS["A"],
        **{
            name: {"role": "untrained", "disease_genes": "none", **entry}
            for name, entry in cohorts.items()
        },  # fmt: skip
    }
    (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(params))
    ingestion = kedro(root, "run", "--pipeline", "ingestion", "--namespaces", "MAT,NFC,ADA")
    kedro(root, "run", "--pipeline", "labeling", "--namespaces", "MAT,NFC,ADA")
    return root, ingestion.stdout + ingestion.stderr


def test_nfcore_and_anndata_label_like_the_same_counts_as_a_matrix(labeled) -> None:
    root, log = labeled
    reference = pd.read_parquet(root / "data/03_primary/MAT/dea_results.parquet")
    assert (reference["label"] != 2).sum() > 100  # the comparison is about real SDEGs
    for name in ("NFC", "ADA"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(root / f"data/03_primary/{name}/dea_results.parquet"), reference
        )
    assert "rounded" in log and "salmon.merged.gene_counts.tsv" in log


def test_de_table_tsv_has_toptags_columns_most_significant_first(labeled) -> None:
    root, _ = labeled
    parquet = pd.read_parquet(root / "data/03_primary/MAT/dea_results.parquet")
    table = pd.read_csv(root / "data/03_primary/MAT/dea_results.tsv", sep="\t")
    assert list(table.columns) == ["gene_id", "symbol", "logFC", "logCPM", "PValue", "FDR", "label", "bio_validated", "regulation"]  # fmt: skip
    assert table["PValue"].is_monotonic_increasing and len(table) == len(parquet)
    merged = table.merge(parquet, on="gene_id", suffixes=("", "_parquet"))
    for column in ("logFC", "logCPM", "PValue", "FDR", "label"):
        assert merged[column].to_numpy() == pytest.approx(merged[f"{column}_parquet"].to_numpy(), rel=1e-15)  # fmt: skip
    assert set(table.loc[table["label"] == 1, "regulation"]) == {"UR"}


def test_gdc_cohort_saves_its_manifest_and_release(gdc: FakeGdc, tmp_path: Path) -> None:  # noqa: F811
    root = make_project(tmp_path)
    params = yaml.safe_load((root / "conf/local/parameters.yml").read_text())
    params["cohorts"] = {
        "A": TINY_COHORTS["A"],
        "GDC": {
            "role": "untrained",
            "source": "gdc",
            "gdc": {
                "project": "TCGA-TEST",
                "base_url": gdc.base_url,
                "cache_dir": "cache",
                "retries": 1,
            },  # fmt: skip
            "disease_genes": "none",
        },
    }
    (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(params))
    kedro(root, "run", "--pipeline", "ingestion", "--namespaces", "GDC")
    manifest = pd.read_csv(root / "data/01_raw/GDC/gdc_manifest.tsv", sep="\t")
    assert list(manifest.columns) == list(MANIFEST_COLUMNS)
    served = {file.file_id: file for file in COHORT}
    assert sorted(manifest["file_id"]) == ["f-n1", "f-t1", "f-t2"]
    for row in manifest.itertuples():
        assert (root / "cache" / row.file_id / row.file_name).read_bytes() == served[row.file_id].content  # fmt: skip
    release = yaml.safe_load((root / "data/01_raw/GDC/gdc_release.json").read_text())
    assert release["data_release"] == STATUS["data_release"] and release["version"] == 1
    kedro(root, "run", "--nodes", "reporting.gdc_provenance")
    table = pd.read_csv(root / "data/08_reporting/gdc_provenance.csv")
    assert table.to_dict("records") == [
        {
            "dataset": "GDC",
            "data_release": STATUS["data_release"],
            "api_version": 1,
            "workflow_type": "STAR - Counts",
            "n_files": 3,
            "n_normal": 1,
            "n_tumor": 2,
            "total_mb": round(sum(len(served[f].content) for f in manifest["file_id"]) / 1e6, 1),
        }
    ]

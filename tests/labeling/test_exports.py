"""Text outputs for other tools: DE tables as TSV (edgeR / DESeq2 shape), predicted calls, MultiQC
custom content (checked by MultiQC itself), and the GDC provenance section of the report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io.core import AbstractDataset, DatasetError
from kedro_datasets.matplotlib import MatplotlibDataset
from matplotlib.figure import Figure

from degnext.datasets import MultiqcTableDataset
from degnext.evaluation import report
from degnext.labeling import dea
from degnext.labeling.exports import de_table, multiqc_table
from degnext.pipelines.predict.nodes import calls_table
from degnext.pipelines.reporting.nodes import gdc_provenance_table
from tests.tiny_project import PROJECT

CATALOG = yaml.safe_load((PROJECT / "conf/base/catalog.yml").read_text())


def catalog_entry(name: str, folder: Path):
    """The dataset of catalog.yml's entry ``name``, writing under ``folder``."""
    config = dict(CATALOG[name])
    config["filepath"] = str(folder / Path(config["filepath"]).name)
    return AbstractDataset.from_config(name, config)


def labeled_dea(method: str) -> pd.DataFrame:
    """A DEA table as the labeling node builds it, on negative-binomial counts with planted DE."""
    rng = np.random.default_rng(1)
    base = rng.gamma(1.0, 300, 150)
    fold = np.r_[np.full(20, 6.0), np.full(20, 1 / 6), np.ones(110)]
    mu = np.hstack([np.outer(base, np.ones(4)), np.outer(base * fold, np.ones(5))])
    counts = pd.DataFrame(
        rng.negative_binomial(5, 5 / (5 + mu)),
        index=[f"ENSG{i:011d}" for i in range(150)],
        columns=[f"S{i}" for i in range(9)],
    )
    condition = pd.Series(["normal"] * 4 + ["tumor"] * 5, index=counts.columns)
    table = (dea.deseq2(counts, condition) if method == "deseq2" else dea.exact_test(counts, condition))  # fmt: skip
    table = table.rename_axis("gene_id").reset_index()
    table.insert(1, "symbol", [f"G{i}" for i in range(150)])
    table["label"] = dea.label_genes(table.set_index("gene_id")).to_numpy()
    table["bio_validated"] = table["label"] != 2
    return table


def test_edger_de_table_is_sorted_like_toptags(tmp_path: Path) -> None:
    dea_results = labeled_dea("exact_test")
    table = de_table(dea_results)
    assert list(table.columns) == ["gene_id", "symbol", "logFC", "logCPM", "PValue", "FDR", "label", "bio_validated", "regulation"]  # fmt: skip
    assert table["PValue"].is_monotonic_increasing
    dataset = catalog_entry("{cohort}.dea_results_tsv", tmp_path)
    dataset.save(table)
    assert (tmp_path / "dea_results.tsv").read_text().split("\n")[0].split("\t")[2:6] == ["logFC", "logCPM", "PValue", "FDR"]  # fmt: skip
    back = dataset.load().set_index("gene_id").loc[dea_results["gene_id"]]
    assert back["logFC"].to_numpy() == pytest.approx(dea_results["logFC"].to_numpy(), rel=1e-15)
    assert dict(zip(table["label"], table["regulation"], strict=True)) == {1: "UR", 0: "DR", 2: "neutral"}  # fmt: skip


def test_deseq2_de_table_keeps_deseq2s_own_columns(tmp_path: Path) -> None:
    dea_results = labeled_dea("deseq2")
    table = de_table(dea_results)
    assert list(table.columns) == ["gene_id", "symbol", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj", "label", "bio_validated", "regulation"]  # fmt: skip
    assert table["pvalue"].dropna().is_monotonic_increasing
    dataset = catalog_entry("{cohort}.dea_results_tsv", tmp_path)
    dataset.save(table)
    back = dataset.load()
    pd.testing.assert_series_equal(back["padj"].isna(), table["padj"].isna())
    assert back["lfcSE"].to_numpy() == pytest.approx(table["lfcSE"].to_numpy(), rel=1e-15)


def test_calls_table_is_sorted_by_probability_of_up() -> None:
    calls = pd.DataFrame({"gene_id": ["a", "b", "c"], "p_up": [0.2, 0.9, 0.5], "call": ["DR", "UR", "UR"]})  # fmt: skip
    assert calls_table(calls)["gene_id"].tolist() == ["b", "c", "a"]


def test_multiqc_table_dataset_writes_the_yaml_header(tmp_path: Path) -> None:
    dataset = catalog_entry("multiqc.transfer_table", tmp_path)
    table = pd.DataFrame({"dataset": ["CHOL", "KICH"], "n_genes": [40, 51], "accuracy": [95.5, 97.25]})  # fmt: skip
    dataset.save(multiqc_table(table))
    text = (tmp_path / "degnext_transfer_learning_mqc.tsv").read_text()
    header = yaml.safe_load("\n".join(line[2:] for line in text.splitlines() if line.startswith("# ")))  # fmt: skip
    assert header["id"] == "degnext_transfer_learning" and header["plot_type"] == "table"
    assert header["section_name"] == "DEGnext: transfer learning (Q)"
    pd.testing.assert_frame_equal(dataset.load(), table)
    with pytest.raises(DatasetError, match=r"\*_mqc.tsv"):
        MultiqcTableDataset(filepath=str(tmp_path / "x.tsv"), header={"id": "x", "section_name": "X"})  # fmt: skip
    with pytest.raises(DatasetError, match="header lacks section_name"):
        MultiqcTableDataset(filepath=str(tmp_path / "x_mqc.tsv"), header={"id": "x"})
    with pytest.raises(ValueError, match="one row per dataset"):
        multiqc_table(pd.concat([table, table]))


def test_multiqc_reads_our_custom_content(tmp_path: Path) -> None:
    """MultiQC itself (a test dependency) finds the tables and the figure and keeps their values."""
    multiqc = shutil.which("multiqc")
    if multiqc is None:
        if os.environ.get("CI"):
            pytest.fail("multiqc is not installed; it is in the test extras (pip install -e '.[test]')")  # fmt: skip
        pytest.skip("multiqc is not installed (pip install multiqc)")
    folder = tmp_path / "multiqc"
    general = pd.DataFrame({"dataset": ["A", "B"], "n_folds": [5, 5], "accuracy": [99.5, 93.6]})
    transfer = pd.DataFrame({"dataset": ["C"], "n_genes": [40], "accuracy": [97.25]})
    catalog_entry("multiqc.general_table", folder).save(general)
    catalog_entry("multiqc.transfer_table", folder).save(transfer)
    figure = Figure(figsize=(2, 2))
    figure.subplots().plot([0, 1], [0, 1])
    png = CATALOG["multiqc.roc_general_figure"]["filepath"].rsplit("/", 1)[1]
    MatplotlibDataset(filepath=str(folder / png)).save(figure)
    result = subprocess.run(
        [multiqc, str(folder), "-o", str(tmp_path / "out"), "--no-ansi"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "out/multiqc_data/multiqc_data.json").read_text())
    saved = data["report_saved_raw_data"]
    assert saved["multiqc_degnext_general_learning_table"] == {
        "A": {"n_folds": 5, "accuracy": 99.5},
        "B": {"n_folds": 5, "accuracy": 93.6},
    }
    assert saved["multiqc_degnext_transfer_learning_table"] == {"C": {"n_genes": 40, "accuracy": 97.25}}  # fmt: skip
    page = (tmp_path / "out/multiqc_report.html").read_text()
    assert "DEGnext: general learning (T3)" in page and "DEGnext: transfer learning (Q)" in page
    assert 'id="degnext_roc_general"' in page


def test_gdc_provenance_table_and_report_section() -> None:
    manifest = pd.DataFrame(
        {
            "file_id": ["f1", "f2", "f3"],
            "sample_type": ["Solid Tissue Normal", "Primary Tumor", "Primary Tumor"],
            "file_size": [1_000_000, 2_000_000, 1_500_000],
            "workflow_type": "STAR - Counts",
        }
    )
    release = {"data_release": "Data Release 41.0 - August 28, 2024", "version": 1}
    table = gdc_provenance_table(["BRCA"], release, manifest)
    assert table.to_dict("records") == [
        {
            "dataset": "BRCA",
            "data_release": release["data_release"],
            "api_version": 1,
            "workflow_type": "STAR - Counts",
            "n_files": 3,
            "n_normal": 1,
            "n_tumor": 2,
            "total_mb": 4.5,
        }  # fmt: skip
    ]
    assert report.gdc_provenance_sections(gdc_provenance_table([])) == []
    page = report.build_html_report("t", report.gdc_provenance_sections(table))
    assert "Data provenance (GDC)" in page and "Data Release 41.0 - August 28, 2024" in page
    assert "gdc_manifest.tsv" in page

"""Files that the input datasets' tests read: a counts matrix with its sheet, a toy release."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def matrix_files(tmp_path: Path) -> tuple[Path, Path]:
    """A counts matrix of two normal and two tumor TCGA samples, and its sample sheet."""
    barcodes = ["TCGA-AA-0001-11A", "TCGA-AA-0002-11A", "TCGA-AA-0001-01A", "TCGA-AA-0002-01A"]
    counts = pd.DataFrame(
        [[5, 6, 7, 8], [1, 0, 3, 2], [10, 12, 9, 11]],
        index=pd.Index(["ENSG00000141510", "ENSG00000012048", "ENSG00000146648"], name="gene_id"),
        columns=barcodes,
    )
    counts.to_csv(tmp_path / "counts.tsv", sep="\t")
    sheet = pd.DataFrame({"barcode": barcodes, "condition": ["normal"] * 2 + ["tumor"] * 2})
    sheet.to_csv(tmp_path / "samples.csv", index=False)
    return tmp_path / "counts.tsv", tmp_path / "samples.csv"


@pytest.fixture
def toy_release(tmp_path: Path) -> Path:
    """A release folder holding one split of cancer TOY: T2, 6 genes x 4 samples, 3 labels."""
    folder = tmp_path / "release" / "datasets"
    folder.mkdir(parents=True)
    matrix = np.arange(24).reshape(6, 4) + 1
    pd.DataFrame(matrix).to_csv(folder / "TCGA-TOY_non_bio_test.csv", header=False, index=False)
    (folder / "TCGA-TOY_non_bio_test_label.txt").write_text("0\n1\n2\n0\n1\n2\n")
    return tmp_path / "release"

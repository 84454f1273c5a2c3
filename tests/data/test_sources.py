"""Readers of local count files and of the authors' released splits."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degnext.data.cohort import Cohort, sample_type_from_barcode
from degnext.data.count_files import (
    detect_counts_format,
    read_counts_file,
    read_gdc_folder,
    read_htseq_counts,
    read_star_counts,
)
from degnext.data.count_matrix import read_matrix
from degnext.data.release import read_release
from degnext.data.sources import load_cohort
from degnext.errors import DEGnextInputError
from tests.tiny_project import SHARED

RELEASE = SHARED / "data" / "degnext_release"
TABLE6 = SHARED / "data" / "paper_tables" / "table6_dataset_sizes.csv"

GENES = [
    ("ENSG00000000003.15", "TSPAN6", "protein_coding"),
    ("ENSG00000000005.6", "TNMD", "protein_coding"),
    ("ENSG00000000419.13", "DPM1", "protein_coding"),
]
SHEET_HEADER = [
    "File ID",
    "File Name",
    "Data Category",
    "Data Type",
    "Project ID",
    "Case ID",
    "Sample ID",
    "Sample Type",
]


def star_text(counts: list[int], genes: list[tuple[str, str, str]] = GENES) -> str:
    """A GDC augmented_star_gene_counts.tsv with the four N_ summary rows."""
    lines = [
        "# gene-model: GENCODE v36",
        "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second"
        "\ttpm_unstranded\tfpkm_unstranded\tfpkm_uq_unstranded",
    ]
    lines += [
        f"{name}\t\t\t{n}\t{n}\t{n}\t\t\t"
        for name, n in [
            ("N_unmapped", 9),
            ("N_multimapping", 8),
            ("N_noFeature", 7),
            ("N_ambiguous", 6),
        ]
    ]
    lines += [
        f"{gid}\t{sym}\t{kind}\t{c}\t{c // 2}\t{c - c // 2}\t1.5\t0.5\t0.7"
        for (gid, sym, kind), c in zip(genes, counts, strict=True)
    ]
    return "\n".join(lines) + "\n"


def htseq_text(counts: list[int]) -> str:
    lines = [f"{gid}\t{c}" for (gid, _, _), c in zip(GENES, counts, strict=True)]
    lines += [
        "__no_feature\t11",
        "__ambiguous\t12",
        "__too_low_aQual\t0",
        "__not_aligned\t0",
        "__alignment_not_unique\t13",
    ]
    return "\n".join(lines) + "\n"


def test_sample_type_from_barcode() -> None:
    assert sample_type_from_barcode("TCGA-A7-A0CE-11A-21R-A089-07") == "Solid Tissue Normal"
    assert sample_type_from_barcode("TCGA-A7-A0CE-01A") == "Primary Tumor"
    assert sample_type_from_barcode("TCGA.A7.A0CE.01A") == "Primary Tumor"
    assert sample_type_from_barcode("TCGA-A7-A0CE-06") == "Metastatic"
    for bad in ["TCGA-A7-A0CE", "A7-A0CE-01A", "TCGA-A7-A0CE-1A", ""]:
        with pytest.raises(DEGnextInputError, match="malformed TCGA barcode"):
            sample_type_from_barcode(bad)


def test_read_star_counts_drops_summary_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.augmented_star_gene_counts.tsv"
    path.write_text(star_text([10, 0, 7]))
    table = read_star_counts(path)
    assert list(table.index) == [g[0] for g in GENES]
    assert table["count"].tolist() == [10, 0, 7] and table["count"].dtype == "int64"
    assert table.loc["ENSG00000000005.6", "gene_name"] == "TNMD"
    assert read_star_counts(path, "stranded_first")["count"].tolist() == [5, 0, 3]
    assert detect_counts_format(path) == "star"
    packed = tmp_path / "gzipped_without_suffix.tsv"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert read_counts_file(packed)["count"].tolist() == [10, 0, 7]
    with pytest.raises(DEGnextInputError, match="counts_column='tpm_unstranded'"):
        read_star_counts(path, "tpm_unstranded")


def test_read_htseq_counts_plain_and_gzip(tmp_path: Path) -> None:
    plain, packed = tmp_path / "a.htseq.counts", tmp_path / "b.htseq.counts.gz"
    plain.write_text(htseq_text([1, 2, 3]))
    packed.write_bytes(gzip.compress(htseq_text([4, 5, 6]).encode()))
    assert read_htseq_counts(plain)["count"].tolist() == [1, 2, 3]
    table = read_counts_file(packed)
    assert table["count"].tolist() == [4, 5, 6]
    assert table["gene_name"].isna().all() and list(table.index) == [g[0] for g in GENES]


def test_counts_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("just some text\nwith lines of three\tcolumns\there\n")
    with pytest.raises(DEGnextInputError, match="neither a GDC STAR"):
        read_counts_file(path)
    path.write_text(htseq_text([1, 2, 3]).replace("\t2\n", "\t2.5\n"))
    with pytest.raises(DEGnextInputError, match="ENSG00000000005.6"):
        read_counts_file(path)
    path.write_text(htseq_text([1, 2, 3]).replace("\t3\n", "\tinf\n"))
    with pytest.raises(DEGnextInputError, match=r"inf for gene 'ENSG00000000419.13'"):
        read_counts_file(path)


def write_gdc_folder(root: Path, rows: list[tuple[str, str, list[int]]]) -> tuple[Path, Path]:
    """gdc-client layout <file_id>/<file_name> plus a GDC sample sheet; rows: (id, barcode, counts)."""
    folder, sheet_rows = root / "gdc", []
    for file_id, barcode, counts in rows:
        name = f"{file_id}.rna_seq.augmented_star_gene_counts.tsv"
        (folder / file_id).mkdir(parents=True)
        (folder / file_id / name).write_text(star_text(counts))
        sample_type = sample_type_from_barcode(barcode)
        sheet_rows.append(
            [
                file_id,
                name,
                "Transcriptome Profiling",
                "Gene Expression Quantification",
                "TCGA-TEST",
                barcode[:12],
                barcode,
                sample_type,
            ]
        )
    sheet = root / "gdc_sample_sheet.tsv"
    pd.DataFrame(sheet_rows, columns=SHEET_HEADER).to_csv(sheet, sep="\t", index=False)
    return folder, sheet


FOLDER_ROWS = [
    ("f-t1", "TCGA-AA-0001-01A", [5, 6, 7]),
    ("f-n1", "TCGA-AA-0001-11A", [1, 2, 3]),
    ("f-t2", "TCGA-AA-0002-01A", [8, 9, 10]),
    ("f-m", "TCGA-AA-0003-06A", [0, 0, 0]),
]


def test_read_gdc_folder(tmp_path: Path) -> None:
    folder, sheet = write_gdc_folder(tmp_path, FOLDER_ROWS)
    cohort = read_gdc_folder(folder, sheet)
    assert isinstance(cohort, Cohort) and cohort.name == "TCGA-TEST"
    assert list(cohort.counts.columns) == [
        "TCGA-AA-0001-11A",
        "TCGA-AA-0001-01A",
        "TCGA-AA-0002-01A",
    ]  # normal first, metastatic dropped
    assert cohort.counts.index.name == "gene_id"
    assert cohort.counts["TCGA-AA-0002-01A"].tolist() == [8, 9, 10]
    assert (cohort.counts.dtypes == "int64").all()
    assert cohort.samples["condition"].tolist() == ["normal", "tumor", "tumor"]
    assert cohort.samples["file_id"].tolist() == ["f-n1", "f-t1", "f-t2"]
    assert cohort.samples["case_id"].tolist()[0] == "TCGA-AA-0001"
    assert cohort.genes.loc["ENSG00000000419.13", "gene_name"] == "DPM1"


def test_read_gdc_folder_errors(tmp_path: Path) -> None:
    folder, sheet = write_gdc_folder(tmp_path / "a", FOLDER_ROWS)
    missing = next((folder / "f-t2").iterdir())
    missing.unlink()
    with pytest.raises(DEGnextInputError, match=r"line 4 \(File ID f-t2.*not found"):
        read_gdc_folder(folder, sheet)

    folder, sheet = write_gdc_folder(tmp_path / "b", FOLDER_ROWS)
    odd = next((folder / "f-t2").iterdir())
    odd.write_text(star_text([1, 2, 3], [*GENES[:2], ("ENSG00000999999.1", "X", "lncRNA")]))
    with pytest.raises(DEGnextInputError, match=r"f-t2.*different gene set"):
        read_gdc_folder(folder, sheet)

    folder, sheet = write_gdc_folder(tmp_path / "c", [r for r in FOLDER_ROWS if r[0] != "f-n1"])
    with pytest.raises(DEGnextInputError, match="cohort 'TCGA-TEST' has no normal samples"):
        read_gdc_folder(folder, sheet)

    (tmp_path / "empty").mkdir()
    with pytest.raises(DEGnextInputError, match="missing or empty"):
        read_gdc_folder(tmp_path / "empty", sheet)


def test_read_matrix_from_barcodes_and_sheet(tmp_path: Path) -> None:
    counts = pd.DataFrame(
        {
            "gene": ["g1", "g2"],
            "TCGA-AB-0001-01A": [3, 4],
            "TCGA-AB-0001-11A": [1, 2],
            "TCGA-AB-0002-02A": [9, 9],
        }
    )
    csv, parquet, tsv = tmp_path / "m.csv", tmp_path / "m.parquet", tmp_path / "m.tsv"
    counts.to_csv(csv, index=False)
    counts.to_parquet(parquet, index=False)
    counts.to_csv(tsv, sep="\t", index=False)
    for path in (csv, parquet, tsv):
        cohort = read_matrix(path)
        assert list(cohort.counts.columns) == ["TCGA-AB-0001-11A", "TCGA-AB-0001-01A"]
        assert cohort.counts.loc["g2", "TCGA-AB-0001-01A"] == 4
        assert cohort.samples["sample_type"].tolist() == ["Solid Tissue Normal", "Primary Tumor"]

    plain = pd.DataFrame({"gene_id": ["g1", "g2"], "s1": [1, 2], "s2": [3, 4], "s3": [5, 6]})
    plain.to_csv(csv, index=False)
    sheet = tmp_path / "sheet.csv"
    pd.DataFrame({"barcode": ["s1", "s2", "s3"], "condition": ["Tumor", "normal", "tumor"]}).to_csv(
        sheet, index=False
    )
    cohort = read_matrix(csv, sheet)
    assert list(cohort.counts.columns) == ["s2", "s1", "s3"]
    assert cohort.samples["condition"].tolist() == ["normal", "tumor", "tumor"]

    pd.DataFrame({"barcode": ["s1", "s2", "s9"], "condition": ["tumor", "normal", "tumor"]}).to_csv(
        sheet, index=False
    )
    with pytest.raises(
        DEGnextInputError, match=r"not in the sheet \['s3'\].*not in the matrix \['s9'\]"
    ):
        read_matrix(csv, sheet)


def test_read_matrix_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    pd.DataFrame({"gene": ["g1"], "TCGA-AB-0001-01A": [1], "sample_x": [2]}).to_csv(
        path, index=False
    )
    with pytest.raises(DEGnextInputError, match="'sample_x'"):
        read_matrix(path)
    pd.DataFrame({"gene": ["g1"], "TCGA-AB-0001-01A": [1], "TCGA-AB-0002-01A": [2]}).to_csv(
        path, index=False
    )
    with pytest.raises(DEGnextInputError, match="no normal samples"):
        read_matrix(path)
    pd.DataFrame({"gene": ["g1"], "TCGA-AB-0001-01A": [1.5], "TCGA-AB-0002-11A": [2]}).to_csv(
        path, index=False
    )
    with pytest.raises(DEGnextInputError, match="TCGA-AB-0001-01A"):
        read_matrix(path)


def test_load_cohort_dispatch(tmp_path: Path) -> None:
    folder, sheet = write_gdc_folder(tmp_path, FOLDER_ROWS)
    cohort = load_cohort("gdc_folder", {"folder": folder, "sample_sheet": sheet})
    assert cohort.counts.shape == (3, 3)
    with pytest.raises(DEGnextInputError, match="source='tcga'"):
        load_cohort("tcga", {})
    with pytest.raises(DEGnextInputError, match="gdc_folder.*folderr"):
        load_cohort("gdc_folder", {"folderr": folder, "sample_sheet": sheet})
    with pytest.raises(DEGnextInputError, match="'gdc'.*cache_dir"):
        load_cohort("gdc", {"project": "TCGA-BRCA"})


def write_release(root: Path, cancer: str, t3: np.ndarray, f1: np.ndarray) -> None:
    """A release folder with T2 + T3 and Q = F1 rows then T3 rows, but no F1 matrix."""
    data = root / "datasets"
    data.mkdir(parents=True)

    def save(suffix: str, rows: np.ndarray | list[str]) -> None:
        path = data / f"TCGA-{cancer}_{suffix}"
        if isinstance(rows, np.ndarray) and rows.ndim == 2:
            np.savetxt(path, rows, fmt="%d", delimiter=",")
        else:
            path.write_text("".join(f"{row}\n" for row in rows))

    save("non_bio_test.csv", np.arange(12).reshape(4, 3))
    save("non_bio_test_label.txt", ["0", "1", "2", "2"])
    save("non_bio_train_label.txt", ["0"] * 16)
    save("bio_test.csv", t3)
    save("bio_test_label.txt", ["1"] * len(t3))
    save("bio_test_genes.csv", [f"T3G{i}" for i in range(len(t3))])
    save("bio_fine_tune_label.txt", ["0"] * len(f1))
    q = np.vstack([f1, t3])
    save("biologically_validated_data.csv", q)
    save("biologically_validated_labels.txt", ["0"] * len(f1) + ["1"] * len(t3))
    save(
        "biologically_validated_genes.csv",
        [f"F1G{i}" for i in range(len(f1))] + [f"T3G{i}" for i in range(len(t3))],
    )


def test_release_derives_f1_from_q(tmp_path: Path) -> None:
    t3 = np.array([[100, 101, 102], [200, 201, 202]])
    f1 = np.array([[7, 8, 9], [10, 11, 12], [13, 14, 15]])
    write_release(tmp_path, "ABC", t3, f1)
    release = read_release(tmp_path, "ABC")
    assert release.t1_source == "T2" and release.missing == ("T1",)
    assert release.splits["set"].tolist() == ["T2"] * 4 + ["F1"] * 3 + ["T3"] * 2
    x_f1, y_f1 = release.split("F1")
    np.testing.assert_array_equal(x_f1.to_numpy(), f1)
    assert list(x_f1.index) == ["F1G0", "F1G1", "F1G2"] and y_f1.tolist() == [0, 0, 0]
    assert list(release.split("T3")[0].index) == ["T3G0", "T3G1"]
    assert release.expression.index[0] == "ABC:T2:000000"
    assert list(release.expression.columns) == ["s0", "s1", "s2"]
    assert release.split("T1")[1].tolist() == [0, 1, 2, 2]


def test_release_without_matching_rows_records_f1_missing(tmp_path: Path) -> None:
    t3 = np.array([[100, 101, 102], [200, 201, 202]])
    write_release(tmp_path, "ABC", t3, np.array([[7, 8, 9]]))
    (tmp_path / "datasets" / "TCGA-ABC_bio_test.csv").write_text("100,101,102\n999,999,999\n")
    release = read_release(tmp_path, "ABC")
    assert "F1" in release.missing
    assert any("cannot derive F1" in note for note in release.notes)


def test_release_label_count_mismatch_names_file(tmp_path: Path) -> None:
    write_release(tmp_path, "ABC", np.array([[1, 2, 3]]), np.array([[4, 5, 6]]))
    (tmp_path / "datasets" / "TCGA-ABC_non_bio_test_label.txt").write_text("0\n1\n")
    with pytest.raises(DEGnextInputError, match="non_bio_test_label.txt has 2 labels for 4 rows"):
        read_release(tmp_path, "ABC")


def _count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip())


@pytest.mark.skipif(
    not RELEASE.is_dir() or not TABLE6.is_file(),
    reason="../shared/data/degnext_release (authors' release) is not available",
)
def test_release_all_cohorts_match_label_files() -> None:
    sizes = pd.read_csv(TABLE6).set_index("dataset")
    suffix = {"T1": "non_bio_train", "T2": "non_bio_test", "F1": "bio_fine_tune", "T3": "bio_test"}
    width_differs = set()
    for cancer, row in sizes.iterrows():
        release = read_release(RELEASE, cancer)
        data = RELEASE / "datasets"
        if release.expression.shape[1] != row.normal_samples + row.tumor_samples:
            width_differs.add(cancer)
        assert release.expression.index.is_unique
        assert release.expression.index.equals(release.splits.index)
        counts = release.splits["set"].value_counts()
        for split, stem in suffix.items():
            labels = data / f"TCGA-{cancer}_{stem}_label.txt"
            assert labels.is_file(), (cancer, split)
            if split in release.missing:
                assert split not in counts
            else:
                assert counts[split] == _count_lines(labels), (cancer, split)
                file_labels = [int(x) for x in labels.read_text().split()]
                assert (
                    release.splits.loc[release.splits["set"] == split, "label"].tolist()
                    == file_labels
                ), (cancer, split)
        assert release.t1_source == ("T1" if "T1" in counts else "T2" if "T2" in counts else None)
        q = data / f"TCGA-{cancer}_biologically_validated_data.csv"
        if q.is_file():  # Q is F1 rows then T3 rows
            stacked = pd.concat([release.split("F1")[0], release.split("T3")[0]])
            np.testing.assert_array_equal(stacked.to_numpy(), np.loadtxt(q, delimiter=",", ndmin=2))
    # Table 6 gives LIHC KIRP's 32 + 288 samples; the LIHC files hold 421 columns.
    assert width_differs == {"LIHC"}
    chol = read_release(RELEASE, "CHOL")
    first = (RELEASE / "datasets" / "TCGA-CHOL_bio_test_data.csv").read_text().splitlines()[0]
    symbol, *values, label = first.strip().split(",")  # *_data.csv: symbol, row, label
    assert chol.expression.loc[symbol].tolist() == [int(v) for v in values]
    assert chol.splits.loc[symbol, "label"] == int(label)
    assert read_release(RELEASE, "BRCA").t1_source is None
    assert read_release(RELEASE, "THCA").missing == ("T1", "F1")


def test_read_gdc_folder_of_legacy_htseq_files(tmp_path: Path) -> None:
    """HTSeq files downloaded from GDC's legacy archive still read locally (only the API query
    refuses the retired workflow)."""
    folder, sheet = write_gdc_folder(tmp_path, FOLDER_ROWS)
    table = pd.read_csv(sheet, sep="\t")
    for line, (file_id, _, counts) in enumerate(FOLDER_ROWS):
        for old in (folder / file_id).iterdir():
            old.unlink()
        name = f"{file_id}.htseq.counts.gz"
        (folder / file_id / name).write_bytes(gzip.compress(htseq_text(counts).encode()))
        table.loc[line, "File Name"] = name
    table.to_csv(sheet, sep="\t", index=False)
    cohort = read_gdc_folder(folder, sheet)
    assert cohort.counts["TCGA-AA-0002-01A"].tolist() == [8, 9, 10]
    assert list(cohort.counts.columns)[0] == "TCGA-AA-0001-11A"

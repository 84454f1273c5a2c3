"""Hostile count matrices, count files and sample sheets: a clear error naming the culprit, or the
right cohort — never pandas' own exception, a wrapped-around count, a ``.1`` barcode or a sample
that silently disappears. Readers write nothing: every case also checks no file changed."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from degnext.data import annotations
from degnext.data.count_checks import DroppedSamplesWarning
from degnext.data.count_files import read_gdc_folder
from degnext.data.count_matrix import read_matrix
from degnext.data.release import read_release
from degnext.data.sources import load_cohort
from degnext.data.synthetic import Calibration, CohortSpec, generate_cohort
from degnext.errors import DEGnextInputError
from degnext.labeling.normalization import normalize, quantile_filter
from degnext.labeling.preprocessing import map_to_hgnc, sample_outliers, validate_counts
from tests.tiny_project import PROJECT

N1, N2, T1, T2 = "TCGA-AA-0001-11A", "TCGA-AA-0002-11A", "TCGA-AA-0001-01A", "TCGA-AA-0002-01A"
GENES = ["ENSG00000000003.15", "ENSG00000000005.6", "ENSG00000000419.13"]
SHEET_HEADER = [
    "File ID", "File Name", "Data Category", "Data Type", "Project ID", "Case ID", "Sample ID",
    "Sample Type",
]  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where a test writes its inputs; reads run inside ``frozen(folder)``: nothing may change."""
    return tmp_path


def _matrix(path: Path, columns: dict[str, list], genes: list[str] = GENES) -> Path:
    table = pd.DataFrame({"gene_id": genes, **columns})
    if path.suffix == ".parquet":
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, sep="," if path.suffix == ".csv" else "\t", index=False)
    return path


def _good_columns() -> dict[str, list]:
    return {N1: [1, 2, 3], N2: [2, 3, 4], T1: [10, 20, 30], T2: [11, 21, 32]}


def _star(counts: list) -> str:
    header = "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second"
    rows = ["# gene-model: GENCODE v36", header, "N_unmapped\t\t\t5\t5\t5"]
    rows += [
        f"{gene}\tG{i}\tprotein_coding\t{c}\t{c}\t0"
        for i, (gene, c) in enumerate(zip(GENES, counts, strict=True))
    ]
    return "\n".join(rows) + "\n"


def _gdc_folder(root: Path, rows: list[tuple[str, str, str, str]]) -> tuple[Path, Path]:
    """rows: (file id, barcode, sample type, file text)."""
    folder, sheet = root / "gdc", []
    for file_id, barcode, sample_type, text in rows:
        (folder / file_id).mkdir(parents=True, exist_ok=True)
        (folder / file_id / "counts.tsv").write_text(text)
        sheet.append(
            [file_id, "counts.tsv", "T", "G", "TCGA-T", barcode[:12], barcode, sample_type]
        )
    path = root / "gdc_sample_sheet.tsv"
    pd.DataFrame(sheet, columns=SHEET_HEADER).to_csv(path, sep="\t", index=False)
    return folder, path


# ---------------------------------------------------------------- empty files


@pytest.mark.parametrize("name", ["counts.csv", "counts.tsv"])
def test_empty_matrix_file(folder, frozen, name):
    path = folder / name
    path.write_bytes(b"")
    with frozen(folder), pytest.raises(DEGnextInputError, match=rf"count matrix .*{name} is empty"):
        read_matrix(path)


def test_empty_gzip_matrix(folder, frozen):
    path = folder / "counts.tsv.gz"
    path.write_bytes(gzip.compress(b""))
    with frozen(folder), pytest.raises(DEGnextInputError, match=r"counts\.tsv\.gz is empty"):
        read_matrix(path)


def test_matrix_with_a_header_and_no_rows(folder, frozen):
    path = folder / "counts.csv"
    path.write_text(f"gene_id,{N1},{T1}\n")
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=r"counts\.csv has a header but no rows"),
    ):
        read_matrix(path)


def test_empty_sample_sheet(folder, frozen):
    matrix, sheet = _matrix(folder / "m.csv", _good_columns()), folder / "sheet.csv"
    sheet.write_text("")
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=r"sample sheet .*sheet\.csv is empty"),
    ):
        read_matrix(matrix, sheet)


def test_empty_and_gene_less_count_files_name_their_sample(folder, frozen):
    rows = [("f-n", N1, "Solid Tissue Normal", _star([1, 2, 3])), ("f-t", T1, "Primary Tumor", "")]
    gdc, sheet = _gdc_folder(folder / "a", rows)
    with (
        frozen(folder),
        pytest.raises(
            DEGnextInputError, match=rf"sample {T1}: counts file .*f-t/counts.tsv is empty"
        ),
    ):
        read_gdc_folder(gdc, sheet)
    header_only = _star([1, 2, 3]).split("ENSG")[0]  # comment, header, N_ row: no gene
    rows[1] = ("f-t", T1, "Primary Tumor", header_only)
    gdc, sheet = _gdc_folder(folder / "b", rows)
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=rf"sample {T1}: .*has no gene rows"),
    ):
        read_gdc_folder(gdc, sheet)
    rows[1] = ("f-t", T1, "Primary Tumor", "__no_feature\t3\n__ambiguous\t1\n")
    gdc, sheet = _gdc_folder(folder / "c", rows)
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=rf"sample {T1}: .*has no gene rows"),
    ):
        read_gdc_folder(gdc, sheet)


# ---------------------------------------------------------------- all-zero genes and samples


def test_all_zero_matrix(folder, frozen):
    path = _matrix(folder / "m.tsv", {column: [0, 0, 0] for column in _good_columns()})
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=r"m\.tsv'?: every count of the 3 genes x 4"),
    ):
        read_matrix(path)


def test_all_zero_count_files(folder, frozen):
    rows = [
        ("f-n", N1, "Solid Tissue Normal", _star([0, 0, 0])),
        ("f-t", T1, "Primary Tumor", _star([0, 0, 0])),
    ]
    gdc, sheet = _gdc_folder(folder, rows)
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match="cohort 'TCGA-T': every count .* is zero"),
    ):
        read_gdc_folder(gdc, sheet)


def test_all_zero_raw_counts_stop_labeling():
    counts = pd.DataFrame(0, index=pd.Index(GENES, name="gene_id"), columns=[N1, N2, T1, T2])
    with pytest.raises(DEGnextInputError, match="X.raw_counts: every count"):
        validate_counts(counts, "X.raw_counts")


def _poisson_counts(n_samples: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.gamma(0.5, 200, size=400)
    values = rng.poisson(np.outer(base, np.ones(n_samples)))
    return pd.DataFrame(values, index=pd.Index([f"g{i}" for i in range(400)], name="gene_id"),
                        columns=[f"s{j}" for j in range(n_samples)])  # fmt: skip


@pytest.mark.parametrize("value", [0, 7])
def test_constant_sample_is_an_outlier_by_name_and_the_others_are_unaffected(value, caplog):
    counts = _poisson_counts(6)
    counts["s3"] = value
    with caplog.at_level(logging.WARNING):
        kept, report = sample_outliers(counts, cor_cut=0.6)
    alone, alone_report = sample_outliers(counts.drop(columns="s3"), cor_cut=0.6)
    assert list(kept.columns) == ["s0", "s1", "s2", "s4", "s5"] == list(alone.columns)
    row = report.set_index("barcode").loc["s3"]
    assert not row["kept"] and np.isnan(row["mean_correlation"]) and "all zero" in row["reason"]
    np.testing.assert_array_equal(
        report.set_index("barcode").drop("s3")["mean_correlation"],
        alone_report.set_index("barcode")["mean_correlation"],
    )
    assert "s3" in caplog.text


def test_one_all_zero_sample_passes_normalization():
    """Labeling's chain (outliers, HGNC mapping, normalization, filter) on a synthetic cohort
    whose first tumor sample is all zero: it is dropped by name and nothing downstream breaks."""
    settings = yaml.safe_load((PROJECT / "conf/base/parameters_ingestion.yml").read_text())
    spec = CohortSpec("Z", n_genes=2500, n_normal=10, n_tumor=14, outlier_probability=0, seed=4)
    calibration = Calibration(**settings["ingestion"]["synthetic"]["calibration"])
    gencode = annotations.load_gencode()
    cohort = generate_cohort(spec, calibration, gencode, annotations.load_gene_info())
    counts = cohort.counts.copy()
    dead = cohort.samples.loc[cohort.samples["condition"] == "tumor", "barcode"].iloc[0]
    counts[dead] = 0
    validate_counts(counts, "Z.raw_counts")
    kept, report = sample_outliers(counts, cor_cut=0.6)
    assert dead not in kept.columns and not report.set_index("barcode").loc[dead, "kept"]
    assert len(kept.columns) == 23
    names = cohort.genes["gene_name"]
    mapped, _ = map_to_hgnc(kept, gene_names=names, annotation=gencode)
    filtered = quantile_filter(normalize(mapped, annotations.load_gene_info()), qnt_cut=0.25)
    assert len(filtered) > 100 and dead not in filtered.columns
    assert np.isfinite(filtered.to_numpy(dtype=float)).all()


# ---------------------------------------------------------------- duplicated sample columns


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
@pytest.mark.parametrize("with_sheet", [False, True])
def test_duplicated_sample_column_is_an_error(folder, frozen, suffix, with_sheet):
    path = folder / f"m{suffix}"
    sep = "," if suffix == ".csv" else "\t"
    path.write_text(
        sep.join(["gene_id", N1, T1, T1]) + "\n" + sep.join(["g1", "1", "2", "3"]) + "\n"
    )
    sheet = None
    if with_sheet:
        sheet = folder / "sheet.csv"
        pd.DataFrame({"barcode": [N1, T1, f"{T1}.1"], "condition": ["normal", "tumor", "tumor"]}
                     ).to_csv(sheet, index=False)  # fmt: skip
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=rf"header: sample '{T1}' appears 2 times"),
    ):
        read_matrix(path, sheet)


def test_duplicated_sample_column_in_parquet(folder, frozen):
    path = folder / "m.parquet"
    arrays = [pa.array(["g1"]), pa.array([1]), pa.array([2]), pa.array([3])]
    pq.write_table(pa.table(arrays, names=["gene_id", N1, T1, T1]), path)
    with frozen(folder), pytest.raises(DEGnextInputError, match=rf"sample '{T1}' appears 2 times"):
        read_matrix(path)


def test_sample_sheet_listing_one_file_twice(folder, frozen):
    rows = [
        ("f-n", N1, "Solid Tissue Normal", _star([1, 2, 3])),
        ("f-t", T1, "Primary Tumor", _star([4, 5, 6])),
    ]
    gdc, sheet = _gdc_folder(folder, rows)
    table = pd.read_csv(sheet, sep="\t", dtype=str)
    pd.concat([table, table.iloc[[1]]]).to_csv(sheet, sep="\t", index=False)
    with frozen(folder), pytest.raises(DEGnextInputError, match="lists File ID 'f-t' twice"):
        read_gdc_folder(gdc, sheet)


def test_one_sample_in_two_count_files_is_two_named_columns_not_a_dot_one(folder, frozen, caplog):
    rows = [
        ("f-n", N1, "Solid Tissue Normal", _star([1, 2, 3])),
        ("f-t", T1, "Primary Tumor", _star([4, 5, 6])),
        ("f-t-again", T1, "Primary Tumor", _star([7, 8, 9])),
    ]
    gdc, sheet = _gdc_folder(folder, rows)
    with frozen(folder), caplog.at_level(logging.WARNING):
        cohort = read_gdc_folder(gdc, sheet)
    assert list(cohort.counts.columns) == [N1, f"{T1}|f-t", f"{T1}|f-t-again"]
    assert cohort.counts[f"{T1}|f-t-again"].tolist() == [7, 8, 9]
    assert f"{T1}|f-t, {T1}|f-t-again" in caplog.text


# ---------------------------------------------------------------- sample types outside the two


def _dropped(record: pytest.WarningsRecorder) -> str:
    messages = [str(w.message) for w in record if w.category is DroppedSamplesWarning]
    assert len(messages) == 1
    return messages[0]


def test_misspelt_sample_type_is_reported_with_a_hint(folder, frozen, caplog):
    matrix = _matrix(folder / "m.csv", {**_good_columns(), "x1": [1, 1, 1], "x2": [2, 2, 2]})
    sheet = folder / "sheet.csv"
    types = ["Solid Tissue Normal"] * 2 + ["Primary Tumor"] * 2 + ["Primary Tumour", "Metastatic"]
    pd.DataFrame({"barcode": [N1, N2, T1, T2, "x1", "x2"], "sample_type": types}).to_csv(
        sheet, index=False
    )
    with (
        frozen(folder),
        pytest.warns(DroppedSamplesWarning) as record,
        caplog.at_level(logging.WARNING),
    ):
        cohort = read_matrix(matrix, sheet)
    message = _dropped(record)
    assert "2 of 6 sample(s) dropped" in message
    assert "'Metastatic': 1" in message
    assert "'Primary Tumour': 1 (did you mean 'Primary Tumor'?)" in message
    assert message in caplog.text
    assert list(cohort.counts.columns) == [N1, N2, T1, T2]


def test_empty_condition_is_reported(folder, frozen):
    matrix = _matrix(folder / "m.csv", {**_good_columns(), "x1": [1, 1, 1]})
    sheet = folder / "sheet.csv"
    sheet.write_text(f"barcode,condition\n{N1},normal\n{N2},normal\n{T1},tumor\n{T2},tumor\nx1,\n")
    with frozen(folder), pytest.warns(DroppedSamplesWarning) as record:
        cohort = read_matrix(matrix, sheet)
    assert "1 of 5 sample(s) dropped" in _dropped(record) and "'(empty)': 1" in _dropped(record)
    assert "x1" not in cohort.counts.columns


def test_sample_types_from_barcodes_are_counted(folder, frozen):
    columns = {**_good_columns(), "TCGA-AA-0003-06A": [1, 1, 1], "TCGA-AA-0004-06A": [2, 2, 2]}
    columns["TCGA-AA-0005-02A"] = [3, 3, 3]
    path = _matrix(folder / "m.tsv", columns)
    with frozen(folder), pytest.warns(DroppedSamplesWarning) as record:
        read_matrix(path)
    assert "'Metastatic': 2, 'Recurrent Tumor': 1" in _dropped(record)


def test_gdc_sample_sheet_types_are_counted(folder, frozen):
    rows = [
        ("f-n", N1, "Solid Tissue Normal", _star([1, 2, 3])),
        ("f-t", T1, "Primary Tumor", _star([4, 5, 6])),
        ("f-r", "TCGA-AA-0009-02A", "Recurrent Tumor", _star([4, 5, 6])),
        ("f-e", "TCGA-AA-0010-01A", "", _star([4, 5, 6])),
    ]
    gdc, sheet = _gdc_folder(folder, rows)
    with frozen(folder), pytest.warns(DroppedSamplesWarning) as record:
        cohort = read_gdc_folder(gdc, sheet)
    assert "2 of 4 sample(s) dropped" in _dropped(record)
    assert "'(empty)': 1, 'Recurrent Tumor': 1" in _dropped(record)
    assert list(cohort.counts.columns) == [N1, T1]


def test_sample_type_case_and_spacing_do_not_matter(folder, frozen, recwarn):
    matrix = _matrix(folder / "m.csv", _good_columns())
    sheet = folder / "sheet.csv"
    types = ["solid tissue normal", " Solid  Tissue Normal", "PRIMARY TUMOR", "Primary Tumor "]
    pd.DataFrame({"barcode": [N1, N2, T1, T2], "sample_type": types}).to_csv(sheet, index=False)
    with frozen(folder):
        cohort = read_matrix(matrix, sheet)
    assert cohort.samples["condition"].tolist() == ["normal", "normal", "tumor", "tumor"]
    assert not [w for w in recwarn if w.category is DroppedSamplesWarning]


# ---------------------------------------------------------------- absurd and overflowing counts

HUGE = {
    "beyond_uint64": "99999999999999999999",
    "int64_overflow": "9223372036854775808",
    "two_to_53": str(2**53),
    "float_notation": "1e300",
    "infinity": "inf",
}


@pytest.mark.parametrize("text", list(HUGE.values()), ids=list(HUGE))
def test_absurd_count_names_the_cell(folder, frozen, text):
    path = folder / "m.csv"
    columns = {column: [str(v) for v in values] for column, values in _good_columns().items()}
    columns[T2][1] = text
    _matrix(path, columns)
    with frozen(folder), pytest.raises(DEGnextInputError) as error:
        read_matrix(path)
    message = str(error.value)
    assert "at or above 2**53" in message and "negative count" not in message
    assert f"sample column '{T2}'" in message and f"gene '{GENES[1]}'" in message


def test_largest_exact_count_is_read_exactly(folder, frozen):
    columns = _good_columns()
    columns[T2][0] = 2**53 - 1
    path = _matrix(folder / "m.csv", columns)
    with frozen(folder):
        cohort = read_matrix(path)
    assert cohort.counts.loc[GENES[0], T2] == 2**53 - 1


def test_absurd_count_in_parquet_and_in_a_count_file(folder, frozen):
    columns = _good_columns()
    columns[T1][2] = 2**62
    path = _matrix(folder / "m.parquet", columns)
    with (
        frozen(folder),
        pytest.raises(
            DEGnextInputError, match=rf"column '{T1}': count at or above 2\*\*53 .*'{GENES[2]}'"
        ),
    ):
        read_matrix(path)
    rows = [
        ("f-n", N1, "Solid Tissue Normal", _star([1, 2, 3])),
        ("f-t", T1, "Primary Tumor", _star([4, "18446744073709551616", 6])),
    ]
    gdc, sheet = _gdc_folder(folder / "gdc_case", rows)
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=rf"sample {T1}: .*at or above 2\*\*53 .*{GENES[1]}"),
    ):
        read_gdc_folder(gdc, sheet)


def test_absurd_raw_counts_stop_labeling():
    counts = pd.DataFrame(
        {N1: [1, 2**60], T1: [3, 4]}, index=pd.Index(["G1", "G2"], name="gene_id")
    )
    with pytest.raises(DEGnextInputError, match=rf"absurd .* at gene 'G2', sample '{N1}'"):
        validate_counts(counts, "X.raw_counts")


# ---------------------------------------------------------------- identifiers stay text


def test_numeric_looking_barcodes_and_gene_ids_stay_text(folder, frozen):
    matrix = folder / "m.csv"
    matrix.write_text("gene_id,001,002,010,011\n0001,1,2,10,11\n0002,2,3,20,21\n0003,3,5,30,32\n")
    sheet = folder / "sheet.csv"
    sheet.write_text("barcode,condition\n001,normal\n002,normal\n010,tumor\n011,tumor\n")
    with frozen(folder):
        cohort = load_cohort("matrix", {"path": matrix, "sample_sheet": sheet})
    assert list(cohort.counts.columns) == ["001", "002", "010", "011"]
    assert list(cohort.counts.index) == ["0001", "0002", "0003"]
    assert cohort.counts.loc["0002", "010"] == 20


def test_sheet_with_an_empty_barcode(folder, frozen):
    matrix = _matrix(folder / "m.csv", _good_columns())
    sheet = folder / "sheet.csv"
    sheet.write_text(f"barcode,condition\n{N1},normal\n,normal\n{T1},tumor\n{T2},tumor\n")
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=r"sample sheet .*sheet\.csv: sample 2 has an empty"),
    ):
        read_matrix(matrix, sheet)


def test_row_longer_than_the_header(folder, frozen):
    path = folder / "m.csv"
    path.write_text(f"gene_id,{N1},{T1}\ng1,1,2,3\ng2,4,5\n")
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=r"count matrix .*m\.csv cannot be read as a table"),
    ):
        read_matrix(path)


RELEASE_CELLS = {
    "overflow": ("1,2,3\n4,99999999999999999999,6\n", r"'99999999999999999999' at row 2, column 2"),
    "infinite": ("1,2,3\n4,5,inf\n", r"inf at row 2, column 3"),
    "text": ("1,2,3\n4,five,6\n", r"'five' at row 2, column 2"),
    "missing": ("1,2,3\n4,,6\n", r"nan at row 2, column 2"),
}


@pytest.mark.parametrize("text,where", list(RELEASE_CELLS.values()), ids=list(RELEASE_CELLS))
def test_release_matrix_cell_that_is_not_a_number_is_named(folder, frozen, text, where):
    data = folder / "datasets"
    data.mkdir()
    (data / "TCGA-ABC_non_bio_test.csv").write_text(text)
    (data / "TCGA-ABC_non_bio_test_label.txt").write_text("0\n1\n")
    with (
        frozen(folder),
        pytest.raises(DEGnextInputError, match=rf"TCGA-ABC_non_bio_test\.csv: value {where}"),
    ):
        read_release(folder, "ABC")


def test_empty_release_matrix(folder, frozen):
    data = folder / "datasets"
    data.mkdir()
    (data / "TCGA-ABC_non_bio_test.csv").write_text("")
    (data / "TCGA-ABC_non_bio_test_label.txt").write_text("0\n")
    with frozen(folder), pytest.raises(DEGnextInputError, match=r"non_bio_test\.csv is empty"):
        read_release(folder, "ABC")

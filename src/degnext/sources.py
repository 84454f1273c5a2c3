"""Readers that turn local RNA-seq count files into one `Cohort` shape for ingestion.

Every source (GDC download, gdc-client folder, count matrix) ends in the same `Cohort`, so the
pipeline after ingestion never needs to know where the counts came from. The authors' released
splits are a different shape (already filtered, normalized, labelled) and get `ReleaseCohort`.
"""

from __future__ import annotations

import gzip
import inspect
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from degnext.count_checks import (
    check_not_all_zero,
    check_sample_names,
    integer_counts,
    read_table,
    report_dropped,
)
from degnext.errors import DEGnextInputError

PRIMARY_TUMOR = "Primary Tumor"
SOLID_TISSUE_NORMAL = "Solid Tissue Normal"
CONDITION_BY_SAMPLE_TYPE = {PRIMARY_TUMOR: "tumor", SOLID_TISSUE_NORMAL: "normal"}
STAR_COUNT_COLUMNS = ("unstranded", "stranded_first", "stranded_second")
STAR_COLUMNS = ("gene_id", "gene_name", "gene_type", *STAR_COUNT_COLUMNS)
logger = logging.getLogger(__name__)
SAMPLE_SHEET_COLUMNS = ("File ID", "File Name", "Project ID", "Case ID", "Sample ID", "Sample Type")

# TCGA sample-type codes (barcode field 4, first two digits) with their GDC names.
_TCGA_SAMPLE_CODES = {
    "01": PRIMARY_TUMOR,
    "02": "Recurrent Tumor",
    "03": "Primary Blood Derived Cancer - Peripheral Blood",
    "04": "Recurrent Blood Derived Cancer - Bone Marrow",
    "05": "Additional - New Primary",
    "06": "Metastatic",
    "07": "Additional Metastatic",
    "08": "Human Tumor Original Cells",
    "09": "Primary Blood Derived Cancer - Bone Marrow",
    "10": "Blood Derived Normal",
    "11": SOLID_TISSUE_NORMAL,
    "12": "Buccal Cell Normal",
    "13": "EBV Immortalized Normal",
    "14": "Bone Marrow Normal",
    "20": "Control Analyte",
    "40": "Recurrent Blood Derived Cancer - Peripheral Blood",
    "50": "Cell Lines",
    "60": "Primary Xenograft Tissue",
    "61": "Cell Line Derived Xenograft Tissue",
}
# R's make.names turns "-" into ".", so matrices written from R carry dotted barcodes.
_TCGA_BARCODE = re.compile(r"^TCGA[-.][A-Z0-9]{2}[-.][A-Z0-9]{4}[-.](\d{2})(?:[A-Z]\S*)?$")


@dataclass(frozen=True, eq=False)
class Cohort:
    """Raw integer counts of one cohort plus per-sample and per-gene annotation.

    counts: genes x samples (index "gene_id"); samples: one row per counts column, same order;
    genes: indexed like counts, gene_name / gene_type (NA where the source has none).
    """

    counts: pd.DataFrame
    samples: pd.DataFrame
    genes: pd.DataFrame
    name: str = ""

    def __post_init__(self) -> None:
        if list(self.samples["barcode"]) != list(self.counts.columns):
            raise DEGnextInputError(
                f"cohort {self.name!r}: samples rows do not match counts columns"
            )
        if not self.genes.index.equals(self.counts.index):
            raise DEGnextInputError(
                f"cohort {self.name!r}: genes index does not match counts index"
            )
        check_not_all_zero(self.counts, f"cohort {self.name!r}")


def sample_type_from_barcode(barcode: str) -> str:
    """GDC sample-type name encoded in a TCGA barcode (e.g. TCGA-A7-A0CE-11A -> Solid Tissue Normal)."""
    match = _TCGA_BARCODE.match(str(barcode).strip().upper())
    if match is None:
        raise DEGnextInputError(
            f"malformed TCGA barcode {barcode!r}: expected TCGA-<TSS>-<participant>-<sample code>..., "
            "e.g. TCGA-A7-A0CE-01A"
        )
    code = match.group(1)
    return _TCGA_SAMPLE_CODES.get(code, f"Other (sample code {code})")


# ---------------------------------------------------------------- single count files


def _compression(path: Path) -> str | None:
    """'gzip' when the file starts with the gzip magic bytes: names do not always say so."""
    with open(path, "rb") as handle:
        return "gzip" if handle.read(2) == b"\x1f\x8b" else None


def _head_lines(path: Path, n: int = 8) -> list[str]:
    """First lines of a plain or gzip text file."""
    opener = gzip.open if _compression(path) else open
    lines: list[str] = []
    with opener(path, "rt") as handle:
        for line in handle:
            lines.append(line.rstrip("\r\n"))
            if len(lines) >= n:
                break
    return lines


def detect_counts_format(path: str | Path) -> str:
    """'star' for GDC augmented STAR gene counts, 'htseq' for two-column HTSeq counts."""
    path = Path(path)
    lines = [line for line in _head_lines(path) if line.strip()]
    if not lines:
        raise DEGnextInputError(f"counts file {path} is empty")
    body = [line for line in lines if not line.startswith("#")]
    if body and body[0].split("\t")[:3] == ["gene_id", "gene_name", "gene_type"]:
        return "star"
    if body and all(len(line.split("\t")) == 2 for line in body):
        return "htseq"
    raise DEGnextInputError(
        f"counts file {path} is neither a GDC STAR gene-counts TSV (header gene_id, gene_name, "
        "gene_type, unstranded, ...) nor a two-column HTSeq counts file"
    )


def _check_genes(index: pd.Index, path: Path) -> None:
    """At least one gene row, and no gene id twice."""
    if len(index) == 0:
        raise DEGnextInputError(f"counts file {path} has no gene rows")
    duplicated = index[index.duplicated()]
    if len(duplicated):
        raise DEGnextInputError(f"counts file {path}: duplicated gene id {duplicated[0]!r}")


def read_star_counts(path: str | Path, counts_column: str = "unstranded") -> pd.DataFrame:
    """Read a GDC augmented_star_gene_counts.tsv into gene_id -> gene_name, gene_type, count.

    The N_unmapped / N_multimapping / N_noFeature / N_ambiguous rows are STAR summaries, not genes.
    """
    path = Path(path)
    if counts_column not in STAR_COUNT_COLUMNS:
        raise DEGnextInputError(
            f"counts_column={counts_column!r} is not a raw-count column of STAR files; "
            f"use one of {', '.join(STAR_COUNT_COLUMNS)}"
        )
    table = pd.read_csv(
        path, sep="\t", comment="#", dtype={"gene_id": str}, compression=_compression(path)
    )
    missing = [column for column in STAR_COLUMNS if column not in table.columns]
    if missing:
        raise DEGnextInputError(f"STAR counts file {path} lacks column(s) {', '.join(missing)}")
    table = table[~table["gene_id"].str.startswith("N_")].set_index("gene_id")
    _check_genes(table.index, path)
    out = table[["gene_name", "gene_type"]].astype("string")
    out["count"] = integer_counts(table[counts_column], f"STAR counts file {path}")
    return out


def read_htseq_counts(path: str | Path) -> pd.DataFrame:
    """Read a legacy HTSeq counts file (plain or gzip) into gene_id -> gene_name, gene_type, count.

    Rows starting with "__" (__no_feature, __ambiguous, ...) are HTSeq summaries, not genes.
    """
    path = Path(path)
    table = pd.read_csv(
        path,
        sep="\t",
        header=None,
        names=["gene_id", "count"],
        dtype={"gene_id": str},
        compression=_compression(path),
    )
    table = table[~table["gene_id"].str.startswith("__")].set_index("gene_id")
    _check_genes(table.index, path)
    out = pd.DataFrame(
        {
            "gene_name": pd.array([pd.NA] * len(table), dtype="string"),
            "gene_type": pd.array([pd.NA] * len(table), dtype="string"),
        },
        index=table.index,
    )
    out["count"] = integer_counts(table["count"], f"HTSeq counts file {path}")
    return out


def read_counts_file(path: str | Path, counts_column: str = "unstranded") -> pd.DataFrame:
    """Read one STAR or HTSeq counts file, choosing the parser from the file content."""
    if detect_counts_format(path) == "star":
        return read_star_counts(path, counts_column)
    return read_htseq_counts(path)


# ---------------------------------------------------------------- assembling cohorts


def _name_columns(samples: pd.DataFrame, name: str) -> list[str]:
    """One column name per count file: its sample barcode, or, for a sample measured by several
    files, each file's aliquot barcode where those differ, else ``<barcode>|<file_id>``; never an
    invented ``.1``."""
    barcodes = samples["barcode"].astype(str)
    repeated = barcodes.duplicated(keep=False)
    if not repeated.any():
        return list(barcodes)
    file_ids = samples["file_id"] if "file_id" in samples else samples.index.to_series()
    names = barcodes.where(~repeated, barcodes + "|" + file_ids.astype(str))
    if "aliquot" in samples:
        aliquots = samples["aliquot"].where(repeated)
        distinct = aliquots.notna() & ~aliquots.duplicated(keep=False)
        names = names.where(~distinct, aliquots)
    logger.warning(
        "cohort %r: %d sample(s) measured by several count files, kept as columns %s",
        name,
        barcodes[repeated].nunique(),
        ", ".join(names[repeated]),
    )
    return check_sample_names(list(names), f"cohort {name!r}")


def _order_and_check(samples: pd.DataFrame, name: str) -> pd.DataFrame:
    """Normal samples first, then tumor (the release's column order); both groups must be present."""
    for condition in ("normal", "tumor"):
        if not (samples["condition"] == condition).any():
            raise DEGnextInputError(
                f"cohort {name!r} has no {condition} samples after keeping only "
                f"{PRIMARY_TUMOR!r} and {SOLID_TISSUE_NORMAL!r}; tumor-vs-normal needs both"
            )
    rank = samples["condition"].map({"normal": 0, "tumor": 1})
    return samples.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")


def cohort_from_count_files(
    samples: pd.DataFrame, paths: Sequence[Path], name: str, counts_column: str = "unstranded"
) -> Cohort:
    """Join per-sample count files (one per `samples` row, same order) into a Cohort.

    All files must share one gene set: a sample quantified against another annotation would
    silently drop or misalign genes.
    """
    if len(samples) != len(paths):
        raise DEGnextInputError(
            f"cohort {name!r}: {len(samples)} sample rows for {len(paths)} files"
        )
    samples = samples.reset_index(drop=True).copy()
    samples["barcode"] = _name_columns(samples, name)
    samples = _order_and_check(samples, name)
    columns: dict[str, np.ndarray] = {}
    genes: pd.DataFrame | None = None
    reference_path: Path | None = None
    for row, path in zip(samples.itertuples(), (paths[i] for i in samples.index), strict=True):
        try:
            table = read_counts_file(path, counts_column)
        except DEGnextInputError as error:
            raise DEGnextInputError(f"sample {row.barcode}: {error}") from None
        if genes is None:
            genes, reference_path = table[["gene_name", "gene_type"]], path
        elif not table.index.equals(genes.index):
            if set(table.index) != set(genes.index):
                extra = sorted(set(table.index) ^ set(genes.index))
                raise DEGnextInputError(
                    f"counts file {path} (sample {row.barcode}) has a different gene set from "
                    f"{reference_path}: {len(extra)} gene id(s) differ, e.g. {extra[0]!r}"
                )
            table = table.reindex(genes.index)
        columns[row.barcode] = table["count"].to_numpy()
    assert genes is not None
    counts = pd.DataFrame(columns, index=genes.index, dtype="int64")
    counts.index.name = "gene_id"
    genes = genes.copy()
    genes.index.name = "gene_id"
    return Cohort(counts=counts, samples=samples.reset_index(drop=True), genes=genes, name=name)


def conditions_of(sample_types: pd.Series) -> pd.Series:
    """'tumor' / 'normal' for the two GDC sample types used (case and spacing ignored), else NA."""
    keys = sample_types.astype("string").str.split().str.join(" ").str.lower()
    by_key = {name.lower(): condition for name, condition in CONDITION_BY_SAMPLE_TYPE.items()}
    return keys.map(by_key).astype("string")


def _keep_used(samples: pd.DataFrame, types: pd.Series, where: str) -> pd.DataFrame:
    """Rows whose condition is known; the others are reported by type (log and warning)."""
    used = samples["condition"].notna().to_numpy()
    report_dropped(types[~used], len(samples), list(CONDITION_BY_SAMPLE_TYPE), where)
    return samples[used]


def read_gdc_folder(
    folder: str | Path, sample_sheet: str | Path, counts_column: str = "unstranded"
) -> Cohort:
    """Read a gdc-client download folder (<file_id>/<file_name>) described by GDC's sample sheet."""
    folder, sample_sheet = Path(folder), Path(sample_sheet)
    if not folder.is_dir() or not any(folder.iterdir()):
        raise DEGnextInputError(f"GDC folder {folder} is missing or empty")
    sheet = read_table(sample_sheet, "sample sheet", text=True)
    missing = [column for column in SAMPLE_SHEET_COLUMNS if column not in sheet.columns]
    if missing:
        raise DEGnextInputError(f"sample sheet {sample_sheet} lacks column(s) {', '.join(missing)}")
    repeated = sheet["File ID"][sheet["File ID"].duplicated()]
    if len(repeated):
        raise DEGnextInputError(
            f"sample sheet {sample_sheet} lists File ID {repeated.iloc[0]!r} twice; one file "
            "would count as two samples"
        )
    name = ",".join(sorted(sheet["Project ID"].dropna().unique())) or str(folder)
    sheet = sheet.assign(condition=conditions_of(sheet["Sample Type"]))
    sheet = _keep_used(sheet, sheet["Sample Type"], f"sample sheet {sample_sheet}")
    paths = []
    for line, row in sheet.iterrows():
        path = folder / row["File ID"] / row["File Name"]
        if not path.is_file() and (folder / row["File Name"]).is_file():
            path = folder / row["File Name"]
        if not path.is_file():
            raise DEGnextInputError(
                f"sample sheet {sample_sheet} line {line + 2} (File ID {row['File ID']}, "
                f"sample {row['Sample ID']}): file {path} not found"
            )
        paths.append(path)
    samples = pd.DataFrame(
        {
            "barcode": sheet["Sample ID"].to_numpy(),
            "sample_type": sheet["Sample Type"].to_numpy(),
            "condition": sheet["condition"].to_numpy(),
            "file_id": sheet["File ID"].to_numpy(),
            "case_id": sheet["Case ID"].to_numpy(),
        }
    )
    return cohort_from_count_files(samples, paths, name, counts_column)


# ---------------------------------------------------------------- count matrices


def _samples_from_sheet(sheet_path: Path, barcodes: list[str], matrix_path: Path) -> pd.DataFrame:
    """Sample types / conditions from a user sheet (barcode + sample_type or condition)."""
    sheet = read_table(sheet_path, "sample sheet", text=True)
    if "barcode" not in sheet.columns or not {"sample_type", "condition"} & set(sheet.columns):
        raise DEGnextInputError(
            f"sample sheet {sheet_path} needs a 'barcode' column and a 'sample_type' or "
            "'condition' column"
        )
    sheet = sheet.assign(barcode=check_sample_names(sheet["barcode"], f"sample sheet {sheet_path}"))
    only_matrix = sorted(set(barcodes) - set(sheet["barcode"]))
    only_sheet = sorted(set(sheet["barcode"]) - set(barcodes))
    if only_matrix or only_sheet:
        raise DEGnextInputError(
            f"sample sheet {sheet_path} and matrix {matrix_path} disagree: "
            f"{len(only_matrix)} matrix column(s) not in the sheet {only_matrix[:5]}, "
            f"{len(only_sheet)} sheet barcode(s) not in the matrix {only_sheet[:5]}"
        )
    sheet = sheet.set_index("barcode").loc[barcodes].reset_index()
    if "sample_type" in sheet.columns:
        sample_type = sheet["sample_type"].astype("string")
        condition = conditions_of(sample_type)
    else:
        condition = sheet["condition"].astype("string").str.strip().str.lower().replace("", pd.NA)
        unknown = sorted(set(condition.dropna()) - {"tumor", "normal"})
        if unknown:
            raise DEGnextInputError(
                f"sample sheet {sheet_path}: condition values {unknown} are not 'tumor'/'normal'"
            )
        sample_type = pd.Series(pd.NA, index=sheet.index, dtype="string")
    return pd.DataFrame(
        {
            "barcode": barcodes,
            "sample_type": sample_type.to_numpy(),
            "condition": condition.to_numpy(),
        }
    )


def read_matrix(path: str | Path, sample_sheet: str | Path | None = None) -> Cohort:
    """Read a genes x samples count matrix (CSV, TSV or Parquet; first column = gene id).

    Without a sheet, sample types come from TCGA barcodes in the column names. Samples of other
    types (or with an empty condition) are dropped and reported per type in the log.
    """
    path = Path(path)
    if not path.is_file():
        raise DEGnextInputError(f"count matrix {path} not found")
    table = read_table(path, "count matrix")
    if table.shape[1] < 2:
        raise DEGnextInputError(f"count matrix {path} needs a gene id column and sample columns")
    gene_column = table.columns[0]
    table = table.set_index(table[gene_column].astype(str)).drop(columns=gene_column)
    table.index.name = "gene_id"
    _check_genes(table.index, path)
    barcodes = [str(column) for column in table.columns]
    if sample_sheet is None:
        sample_type = [sample_type_from_barcode(barcode) for barcode in barcodes]
        samples = pd.DataFrame({"barcode": barcodes, "sample_type": sample_type})
        samples["condition"] = conditions_of(samples["sample_type"])
        types = samples["sample_type"]
    else:
        samples = _samples_from_sheet(Path(sample_sheet), barcodes, path)
        types = samples["sample_type"].fillna(samples["condition"])
    samples = _order_and_check(_keep_used(samples, types, f"count matrix {path}"), str(path))
    counts = pd.DataFrame(
        {
            str(column): integer_counts(
                table[column], f"count matrix {path}, sample column {column!r}"
            )
            for column in samples["barcode"]
        },
        index=table.index,
    )
    genes = pd.DataFrame(
        {
            "gene_name": pd.array([pd.NA] * len(counts), dtype="string"),
            "gene_type": pd.array([pd.NA] * len(counts), dtype="string"),
        },
        index=counts.index,
    )
    return Cohort(
        counts=counts, samples=samples.reset_index(drop=True), genes=genes, name=str(path)
    )


# ---------------------------------------------------------------- the authors' release

RELEASE_SPLITS = ("T1", "T2", "F1", "T3")
_RELEASE_FILES = {  # split -> (matrix, labels, matrix with symbol as first column)
    "T1": ("non_bio_train.csv", "non_bio_train_label.txt", None),
    "T2": ("non_bio_test.csv", "non_bio_test_label.txt", None),
    "F1": ("bio_fine_tune.csv", "bio_fine_tune_label.txt", "bio_fine_tune_data.csv"),
    "T3": ("bio_test.csv", "bio_test_label.txt", "bio_test_data.csv"),
}


@dataclass(frozen=True, eq=False)
class ReleaseCohort:
    """The authors' released splits of one cancer, rows of all available splits stacked.

    expression: genes x samples s0..s{n-1} (normal first, then tumor, as in the files);
    splits: per row its split ("set"), integer "label" and gene "symbol" (NA when unknown).
    t1_source: "T1", or "T2" where T1 is missing and T2 stands in as 3-class training set,
    or None where neither exists. missing: splits whose labels exist but whose matrix does not.
    """

    cancer: str
    expression: pd.DataFrame
    splits: pd.DataFrame
    t1_source: str | None
    missing: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def split(self, name: str) -> tuple[pd.DataFrame, pd.Series]:
        """Expression rows and labels of one split ("T1" follows `t1_source`)."""
        if name == "T1" and self.t1_source is not None:
            name = self.t1_source
        rows = self.splits.index[self.splits["set"] == name]
        if len(rows) == 0:
            raise DEGnextInputError(f"release cohort {self.cancer}: split {name} is not available")
        return self.expression.loc[rows], self.splits.loc[rows, "label"]


def _release_path(root: Path, cancer: str, suffix: str) -> Path:
    return root / "datasets" / f"TCGA-{cancer}_{suffix}"


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _read_release_matrix(path: Path) -> np.ndarray:
    """Numeric matrix of a header-less release CSV."""
    table = pd.read_csv(path, header=None)
    if table.isna().any().any():
        raise DEGnextInputError(f"release file {path} has missing values")
    return table.to_numpy(dtype="float64")


def _read_release_data(path: Path) -> tuple[np.ndarray, list[str], list[int]]:
    """A *_data.csv file: symbol, the matrix row, then the row's label as last column."""
    table = pd.read_csv(path, header=None)
    if table.iloc[:, 1:].isna().any().any():
        raise DEGnextInputError(f"release file {path} has missing values")
    symbols = table.iloc[:, 0].astype(str).str.strip().tolist()
    return (
        table.iloc[:, 1:-1].to_numpy(dtype="float64"),
        symbols,
        table.iloc[:, -1].astype("int64").tolist(),
    )


def _remove_rows(whole: np.ndarray, part: np.ndarray) -> np.ndarray | None:
    """Positions of `whole` rows left after removing one exact match per `part` row, or None."""
    free: dict[bytes, list[int]] = {}
    for position, row in enumerate(whole):
        free.setdefault(row.tobytes(), []).append(position)
    used = set()
    for row in part:
        candidates = free.get(row.tobytes())
        if not candidates:
            return None
        used.add(candidates.pop(0))
    return np.array([position for position in range(len(whole)) if position not in used], dtype=int)


@dataclass
class _Split:
    name: str
    matrix: np.ndarray
    labels: list[int]
    symbols: list[str] | None


def _load_labels(path: Path, rows: int, matrix_path: Path | str) -> list[int]:
    labels = _read_lines(path)
    if len(labels) != rows:
        raise DEGnextInputError(
            f"label file {path} has {len(labels)} labels for {rows} rows of {matrix_path}"
        )
    return [int(label) for label in labels]


def _release_f1_t3(root: Path, cancer: str, notes: list[str]) -> dict[str, _Split]:
    """F1 and T3 with symbols; F1 derived as Q minus T3 where its own matrix is missing."""
    loaded: dict[str, _Split] = {}
    for name in ("T3", "F1"):
        matrix_name, label_name, data_name = _RELEASE_FILES[name]
        matrix_path, data_path = (
            _release_path(root, cancer, matrix_name),
            _release_path(root, cancer, data_name),
        )
        label_path = _release_path(root, cancer, label_name)
        if not label_path.is_file():
            continue
        data, data_symbols, data_labels = (
            _read_release_data(data_path) if data_path.is_file() else (None, None, None)
        )
        if matrix_path.is_file():
            matrix = _read_release_matrix(matrix_path)
        elif data is not None:
            matrix = data
        else:
            continue
        labels = _load_labels(label_path, len(matrix), matrix_path)
        agrees = data is not None and np.array_equal(data, matrix) and data_labels == labels
        if data is not None and not agrees:
            notes.append(f"{data_path.name} differs from {matrix_path.name}; symbols not used")
        loaded[name] = _Split(name, matrix, labels, data_symbols if agrees else None)
    t3, genes_path = loaded.get("T3"), _release_path(root, cancer, "bio_test_genes.csv")
    if t3 is not None and t3.symbols is None and genes_path.is_file():
        genes = _read_lines(genes_path)
        if len(genes) == len(t3.matrix):
            t3.symbols = genes
        else:
            notes.append(
                f"T3 symbols unknown: {genes_path.name} lists {len(genes)} genes for "
                f"{len(t3.matrix)} rows"
            )
    q_genes_path = _release_path(root, cancer, "biologically_validated_genes.csv")
    q_genes = _read_lines(q_genes_path) if q_genes_path.is_file() else None
    q_path = _release_path(root, cancer, "biologically_validated_data.csv")
    f1_labels = _release_path(root, cancer, _RELEASE_FILES["F1"][1])
    if "F1" not in loaded and t3 is not None and q_path.is_file() and f1_labels.is_file():
        q_matrix = _read_release_matrix(q_path)
        keep = _remove_rows(q_matrix, t3.matrix)
        if keep is None:
            notes.append("F1 missing: T3 rows are not all found in Q, cannot derive F1 = Q - T3")
        else:
            symbols = (
                [q_genes[i] for i in keep]
                if q_genes is not None and len(q_genes) == len(q_matrix)
                else None
            )
            loaded["F1"] = _Split(
                "F1",
                q_matrix[keep],
                _load_labels(f1_labels, len(keep), f"{q_path} minus T3"),
                symbols,
            )
            notes.append("F1 derived as Q minus the T3 rows (exact row matches)")
    if "F1" not in loaded and f1_labels.is_file() and not any("F1 missing" in n for n in notes):
        notes.append("F1 missing: no F1 matrix and no Q matrix (with T3) to derive it from")
    f1 = loaded.get("F1")
    if (
        f1 is not None
        and f1.symbols is None
        and t3 is not None
        and t3.symbols is not None
        and q_genes is not None
        and len(q_genes) == len(f1.matrix) + len(t3.matrix)
        and q_genes[len(f1.matrix) :] == t3.symbols
    ):
        # Q = F1 rows then T3 rows wherever the release lets us check it; trust that order only
        # when the T3 part of the Q gene list matches the T3 genes exactly.
        f1.symbols = q_genes[: len(f1.matrix)]
    elif f1 is not None and f1.symbols is None:
        notes.append("F1 symbols unknown: no F1 data file and Q gene order does not match F1 + T3")
    return loaded


def read_release(root: str | Path, cancer: str) -> ReleaseCohort:
    """Read the authors' released splits of one cancer (see the release README)."""
    root, cancer = Path(root), cancer.upper().removeprefix("TCGA-")
    if not any(
        _release_path(root, cancer, files[1]).is_file() for files in _RELEASE_FILES.values()
    ):
        raise DEGnextInputError(f"no release files for cancer {cancer!r} under {root / 'datasets'}")
    notes: list[str] = []
    loaded: dict[str, _Split] = {}
    for name in ("T1", "T2"):
        matrix_path, label_path = (
            _release_path(root, cancer, suffix) for suffix in _RELEASE_FILES[name][:2]
        )
        if matrix_path.is_file() and label_path.is_file():
            matrix = _read_release_matrix(matrix_path)
            loaded[name] = _Split(
                name, matrix, _load_labels(label_path, len(matrix), matrix_path), None
            )
    loaded.update(_release_f1_t3(root, cancer, notes))
    missing = tuple(
        name
        for name in RELEASE_SPLITS
        if name not in loaded and _release_path(root, cancer, _RELEASE_FILES[name][1]).is_file()
    )
    present = [loaded[name] for name in RELEASE_SPLITS if name in loaded]
    widths = {split.matrix.shape[1] for split in present}
    if len(widths) != 1:
        raise DEGnextInputError(
            f"release cohort {cancer}: splits have different sample counts "
            f"{ {split.name: split.matrix.shape[1] for split in present} }"
        )
    matrix = np.vstack([split.matrix for split in present])
    values = matrix.astype("int64") if np.array_equal(matrix, np.round(matrix)) else matrix
    rows = [
        (split.name, position, label, split.symbols[position] if split.symbols else None)
        for split in present
        for position, label in enumerate(split.labels)
    ]
    splits = pd.DataFrame(rows, columns=["set", "position", "label", "symbol"])
    splits["symbol"] = splits["symbol"].astype("string")
    synthetic = [
        f"{cancer}:{name}:{position:06d}"
        for name, position in zip(splits["set"], splits["position"], strict=True)
    ]
    symbol_ok = splits["symbol"].notna() & ~splits["symbol"].duplicated(keep=False)
    index = pd.Index(np.where(symbol_ok, splits["symbol"].fillna(""), synthetic), name="gene")
    splits = splits.drop(columns="position").set_index(index)
    splits["label"] = splits["label"].astype("int64")
    expression = pd.DataFrame(
        values, index=index, columns=[f"s{i}" for i in range(values.shape[1])]
    )
    t1_source = "T1" if "T1" in loaded else ("T2" if "T2" in loaded else None)
    if t1_source == "T2":
        notes.append("T1 matrix missing: T2 stands in as the 3-class training set")
    elif t1_source is None:
        notes.append("T1 and T2 matrices missing: no 3-class training set")
    return ReleaseCohort(cancer, expression, splits, t1_source, missing, tuple(notes))


# ---------------------------------------------------------------- dispatch


def _fetch_cohort() -> Callable[..., Cohort]:
    from degnext.gdc import fetch_cohort  # gdc imports this module, so import it lazily

    return fetch_cohort


# source name -> factory returning the loader, so optional sources import only when chosen.
COHORT_LOADERS: dict[str, Callable[[], Callable[..., Cohort]]] = {
    "gdc": _fetch_cohort,
    "gdc_folder": lambda: read_gdc_folder,
    "matrix": lambda: read_matrix,
}


def load_cohort(source: str, params: dict) -> Cohort:
    """Build the cohort named by the `source` parameter from its `params` mapping."""
    if source not in COHORT_LOADERS:
        raise DEGnextInputError(
            f"parameter source={source!r} is unknown; choose one of {', '.join(COHORT_LOADERS)}"
        )
    loader = COHORT_LOADERS[source]()
    accepted = inspect.signature(loader).parameters
    unknown = sorted(set(params) - set(accepted))
    required = sorted(
        name
        for name, parameter in accepted.items()
        if parameter.default is inspect.Parameter.empty and name not in params
    )
    if unknown or required:
        raise DEGnextInputError(
            f"parameters of source {source!r}: unknown {unknown}, missing required {required}; "
            f"accepted: {', '.join(accepted)}"
        )
    return loader(**params)

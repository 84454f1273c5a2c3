"""Readers that turn local RNA-seq count files into one `Cohort` shape for ingestion.

Every source (GDC download, gdc-client folder, count matrix; nf-core and AnnData files in
`degnext.interop`) ends in the same `Cohort`, so the pipeline after ingestion never needs to know
where the counts came from. The authors' released
splits are a different shape (already filtered, normalized, labelled): see `degnext.release`.
"""

from __future__ import annotations

import gzip
import inspect
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    provenance: what a source records about where the counts came from (GDC: the data release
    and the manifest of downloaded files), saved beside the raw data.
    """

    counts: pd.DataFrame
    samples: pd.DataFrame
    genes: pd.DataFrame
    name: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)

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


def check_unique_genes(index: pd.Index, path: Path) -> None:
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
    check_unique_genes(table.index, path)
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
    check_unique_genes(table.index, path)
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


def order_by_condition(samples: pd.DataFrame, name: str) -> pd.DataFrame:
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
    samples = order_by_condition(samples, name)
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


def keep_used(samples: pd.DataFrame, types: pd.Series, where: str) -> pd.DataFrame:
    """Rows whose condition is known; the others are reported by ``types`` (log and warning)."""
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
    sheet = keep_used(sheet, sheet["Sample Type"], f"sample sheet {sample_sheet}")
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


def samples_from_sheet(sheet_path: Path, barcodes: list[str], matrix_path: Path) -> pd.DataFrame:
    """Sample types / conditions from a user sheet (barcode or sample + sample_type or condition).

    ``sample`` is the column name of nf-core sample sheets, ``barcode`` of GDC-style ones.
    """
    sheet = read_table(sheet_path, "sample sheet", text=True)
    if "barcode" not in sheet.columns and "sample" in sheet.columns:
        sheet = sheet.rename(columns={"sample": "barcode"})
    if "barcode" not in sheet.columns or not {"sample_type", "condition"} & set(sheet.columns):
        raise DEGnextInputError(
            f"sample sheet {sheet_path} needs a 'barcode' (or 'sample') column and a "
            "'sample_type' or 'condition' column"
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
    return sample_conditions(sheet.set_index("barcode").loc[barcodes], f"sample sheet {sheet_path}")


def sample_conditions(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """barcode, sample_type, condition of the samples indexing ``table``.

    From its ``sample_type`` column (GDC names; other types get no condition, and ``keep_used``
    reports them) or else its ``condition`` column ('tumor' / 'normal', empty = unknown).
    """
    if "sample_type" in table.columns:
        sample_type = table["sample_type"].astype("string")
        condition = conditions_of(sample_type)
    else:
        condition = table["condition"].astype("string").str.strip().str.lower().replace("", pd.NA)
        unknown = sorted(set(condition.dropna()) - {"tumor", "normal"})
        if unknown:
            raise DEGnextInputError(f"{where}: condition values {unknown} are not 'tumor'/'normal'")
        sample_type = pd.Series(pd.NA, index=table.index, dtype="string")
    return pd.DataFrame(
        {
            "barcode": [str(barcode) for barcode in table.index],
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
    check_unique_genes(table.index, path)
    barcodes = [str(column) for column in table.columns]
    if sample_sheet is None:
        sample_type = [sample_type_from_barcode(barcode) for barcode in barcodes]
        samples = pd.DataFrame({"barcode": barcodes, "sample_type": sample_type})
        samples["condition"] = conditions_of(samples["sample_type"])
        types = samples["sample_type"]
    else:
        samples = samples_from_sheet(Path(sample_sheet), barcodes, path)
        types = samples["sample_type"].fillna(samples["condition"])
    samples = order_by_condition(keep_used(samples, types, f"count matrix {path}"), str(path))
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


# ---------------------------------------------------------------- dispatch


def _fetch_cohort() -> Callable[..., Cohort]:
    from degnext.gdc import fetch_cohort  # gdc imports this module, so import it lazily

    return fetch_cohort


def _interop(reader: str) -> Callable[[], Callable[..., Cohort]]:
    def load() -> Callable[..., Cohort]:
        from degnext import interop  # interop imports this module, so import it lazily

        return getattr(interop, reader)

    return load


# source name -> factory returning the loader, so optional sources import only when chosen.
COHORT_LOADERS: dict[str, Callable[[], Callable[..., Cohort]]] = {
    "gdc": _fetch_cohort,
    "gdc_folder": lambda: read_gdc_folder,
    "matrix": lambda: read_matrix,
    "nfcore": _interop("read_nfcore_counts"),
    "anndata": _interop("read_anndata"),
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

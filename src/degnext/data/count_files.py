"""Per-sample count files: GDC STAR gene counts, HTSeq counts, and gdc-client download folders."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from degnext.data.cohort import (
    Cohort,
    column_names,
    conditions_of,
    keep_used,
    order_by_condition,
)
from degnext.data.count_checks import integer_counts, read_table
from degnext.errors import DEGnextInputError

STAR_COUNT_COLUMNS = ("unstranded", "stranded_first", "stranded_second")
STAR_COLUMNS = ("gene_id", "gene_name", "gene_type", *STAR_COUNT_COLUMNS)
SAMPLE_SHEET_COLUMNS = ("File ID", "File Name", "Project ID", "Case ID", "Sample ID", "Sample Type")


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
    samples["barcode"] = column_names(samples, name)
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

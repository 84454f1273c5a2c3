"""A genes x samples count matrix (CSV, TSV or Parquet), with an optional sample sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from degnext.data.cohort import (
    Cohort,
    conditions_of,
    keep_used,
    order_by_condition,
    sample_conditions,
    sample_type_from_barcode,
)
from degnext.data.count_checks import check_sample_names, integer_counts, read_table
from degnext.data.count_files import check_unique_genes
from degnext.errors import DEGnextInputError


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

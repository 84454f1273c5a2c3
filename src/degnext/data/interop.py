"""Readers of what other tools write: nf-core/rnaseq merged gene counts and AnnData ``.h5ad``.

Both end in the same ``Cohort`` as the GDC and matrix sources. Their sample names are the
user's, not TCGA barcodes, so tumor/normal comes from a sample sheet (``sample`` or ``barcode``
+ ``condition`` or ``sample_type``) or, for AnnData, from the ``obs`` table.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from degnext.data.cohort import (
    Cohort,
    keep_used,
    order_by_condition,
    sample_conditions,
    sample_type_from_barcode,
)
from degnext.data.count_files import check_unique_genes
from degnext.data.count_matrix import samples_from_sheet
from degnext.errors import DEGnextInputError

logger = logging.getLogger(__name__)
NFCORE_GENE_COLUMNS = ["gene_id", "gene_name"]


def integer_counts(
    values: pd.DataFrame, where: str, round_fractional: bool = False
) -> pd.DataFrame:
    """Counts (genes x samples) as int64, checked cell by cell.

    Non-numeric, missing, infinite and negative cells are errors. Fractional cells (salmon's
    estimated counts) are errors too unless ``round_fractional``: then they are rounded to the
    nearest integer (halves to even, as R's round() does for tximport users) and the log says how
    many were.
    """
    numeric = values.apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(numeric) | (numeric < 0)
    if bad.any():
        row, column = (int(axis[0]) for axis in np.nonzero(bad))
        raise DEGnextInputError(
            f"{where}: value {str(values.iat[row, column])!r} for gene {values.index[row]!r}, sample "
            f"{values.columns[column]!r} is not a count (need finite, non-negative numbers)"
        )
    rounded = np.rint(numeric)
    fractional = rounded != numeric
    if fractional.any():
        if not round_fractional:
            row, column = (int(axis[0]) for axis in np.nonzero(fractional))
            raise DEGnextInputError(
                f"{where}: fractional count {float(numeric[row, column])!r} for gene "
                f"{values.index[row]!r}, sample {values.columns[column]!r} "
                f"({int(fractional.sum())} of {fractional.size} values are fractional, like "
                "salmon's estimated counts); set round_fractional: true to round them"
            )
        logger.warning(
            "%s: rounded %d of %d fractional counts to the nearest integer (round_fractional: "
            "true); largest change %.3g",
            where,
            int(fractional.sum()),
            fractional.size,
            float(np.abs(rounded - numeric).max()),
        )
    return pd.DataFrame(rounded.astype("int64"), index=values.index, columns=values.columns)


def _check_unique_samples(names: list[str], where: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DEGnextInputError(f"{where}: sample {name!r} appears more than once")
        seen.add(name)


def _samples(names: list[str], sample_sheet: str | Path | None, path: Path) -> pd.DataFrame:
    """Tumor/normal of each sample from the sheet, or from TCGA barcodes when there is none."""
    if sample_sheet is not None:
        return samples_from_sheet(Path(sample_sheet), names, path)
    try:
        sample_type = [sample_type_from_barcode(name) for name in names]
    except DEGnextInputError as error:
        raise DEGnextInputError(
            f"{path}: sample names are not TCGA barcodes ({error}); give a sample_sheet with a "
            "'sample' column and a 'condition' column (tumor/normal)"
        ) from error
    return sample_conditions(pd.DataFrame({"sample_type": sample_type}, index=names), str(path))


def _cohort(
    counts: pd.DataFrame, samples: pd.DataFrame, gene_names: pd.Series | None, path: Path
) -> Cohort:
    """Keep the samples that have a condition, normal first, with their genes' names."""
    types = samples["sample_type"].fillna(samples["condition"])
    samples = order_by_condition(keep_used(samples, types, str(path)), str(path))
    counts = counts[list(samples["barcode"])]
    counts.index.name = "gene_id"
    names = gene_names if gene_names is not None else pd.Series(pd.NA, index=counts.index)
    genes = pd.DataFrame(
        {
            "gene_name": pd.array(names.to_numpy(), dtype="string"),
            "gene_type": pd.array([pd.NA] * len(counts), dtype="string"),
        },
        index=counts.index,
    )
    return Cohort(
        counts=counts, samples=samples.reset_index(drop=True), genes=genes, name=str(path)
    )


def _header(path: Path) -> list[str]:
    with open(path, "rb") as handle:
        packed = handle.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rt") if packed else open(path) as handle:
        return handle.readline().rstrip("\r\n").split("\t")


def read_nfcore_counts(
    path: str | Path, sample_sheet: str | Path | None = None, round_fractional: bool = False
) -> Cohort:
    """Read nf-core/rnaseq merged gene counts (``salmon.merged.gene_counts.tsv`` and the like).

    Columns gene_id, gene_name, then one per sample (salmon's counts are fractional: see
    ``integer_counts``). Without a sample sheet, sample names must be TCGA barcodes.
    """
    path = Path(path)
    if not path.is_file():
        raise DEGnextInputError(f"nf-core gene counts file {path} not found")
    header = _header(path)
    if header[:2] != NFCORE_GENE_COLUMNS or len(header) < 3:
        raise DEGnextInputError(
            f"nf-core gene counts file {path} must have the columns gene_id, gene_name, then one "
            f"per sample (as salmon.merged.gene_counts.tsv); its header starts {header[:3]}"
        )
    names = header[2:]
    _check_unique_samples(names, f"nf-core gene counts file {path}")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    table = table.set_index("gene_id")
    check_unique_genes(table.index, path)
    counts = integer_counts(table[names], f"nf-core gene counts file {path}", round_fractional)
    gene_names = table["gene_name"].replace("", pd.NA)
    return _cohort(counts, _samples(names, sample_sheet, path), gene_names, path)


def read_anndata(
    path: str | Path,
    layer: str | None = None,
    sample_sheet: str | Path | None = None,
    round_fractional: bool = False,
) -> Cohort:
    """Read an AnnData ``.h5ad`` file: X (or ``layer``) = counts, samples x genes.

    ``obs`` (indexed by sample) gives ``sample_type`` or ``condition`` unless a sample sheet
    does; ``var`` is indexed by gene id, with the symbol in ``gene_name`` when present.
    """
    import anndata
    from scipy import sparse

    path = Path(path)
    if not path.is_file():
        raise DEGnextInputError(f"AnnData file {path} not found")
    try:
        data = anndata.read_h5ad(path)
    except OSError as error:
        raise DEGnextInputError(f"{path} is not a readable AnnData .h5ad file: {error}") from error
    if layer is not None and layer not in data.layers:
        raise DEGnextInputError(
            f"parameter layer={layer!r}: AnnData file {path} has no such layer; its layers are "
            f"{sorted(data.layers.keys())} (layer: null reads X)"
        )
    matrix = data.X if layer is None else data.layers[layer]
    if matrix is None:
        raise DEGnextInputError(f"AnnData file {path} has no X matrix; name a layer with layer:")
    matrix = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)
    names = [str(name) for name in data.obs_names]
    _check_unique_samples(names, f"obs of AnnData file {path}")
    genes = pd.Index([str(gene) for gene in data.var_names], name="gene_id")
    check_unique_genes(genes, path)
    where = f"AnnData file {path}, {'X' if layer is None else f'layer {layer!r}'}"
    counts = integer_counts(
        pd.DataFrame(matrix.T, index=genes, columns=names), where, round_fractional
    )
    if sample_sheet is not None:
        samples = samples_from_sheet(Path(sample_sheet), names, path)
    elif {"sample_type", "condition"} & set(data.obs.columns):
        samples = sample_conditions(data.obs.set_axis(names), f"obs of AnnData file {path}")
    else:
        raise DEGnextInputError(
            f"obs of AnnData file {path} has no 'sample_type' or 'condition' column (it has "
            f"{list(data.obs.columns)}); add one, or give a sample_sheet"
        )
    gene_names = data.var["gene_name"].set_axis(genes) if "gene_name" in data.var else None
    return _cohort(counts, samples, gene_names, path)

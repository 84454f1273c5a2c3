"""Loaders for the gene annotation tables shipped as package data (see annotations/README.md)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

_GENCODE = "gencode_v36_genes.tsv.gz"
_GENE_INFO = "gene_length_gc_hg38.tsv.gz"


def _read(name: str, dtype: dict) -> pd.DataFrame:
    with resources.files("degnext").joinpath("annotations", name).open("rb") as handle:
        return pd.read_csv(handle, sep="\t", compression="gzip", dtype=dtype, keep_default_na=False)


@cache
def _gencode() -> pd.DataFrame:
    table = _read(_GENCODE, dtype=str)
    table["hgnc_id"] = table["hgnc_id"].replace("NA", "")
    return table


@cache
def _gene_info() -> pd.DataFrame:
    table = _read(_GENE_INFO, dtype={"gene_id": str, "gene_length": float, "gc_content": float})
    return table.set_index("gene_id")


def load_gencode() -> pd.DataFrame:
    """GENCODE v36 genes: gene_id (versioned), gene_name, gene_type, hgnc_id ('' = no HGNC symbol).

    Returns a copy so callers may modify it without touching the cache.
    """
    return _gencode().copy()


def load_gene_info() -> pd.DataFrame:
    """TCGAbiolinks geneInfoHT: gene_length and gc_content indexed by unversioned Ensembl gene_id."""
    return _gene_info().copy()

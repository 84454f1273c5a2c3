"""``AnnotationTableDataset``: the annotation tables shipped with the package."""

from __future__ import annotations

import pytest
from kedro.io.core import DatasetError

from degnext.data.annotations import load_gencode, load_gene_info
from degnext.datasets import AnnotationTableDataset


def test_each_table_loads_as_its_loader_reads_it():
    gencode = AnnotationTableDataset(table="gencode_genes").load()
    assert gencode.equals(load_gencode())
    assert list(gencode.columns[:3]) == ["gene_id", "gene_name", "gene_type"]
    assert AnnotationTableDataset(table="gene_length_gc").load().equals(load_gene_info())


def test_a_loaded_table_is_a_copy():
    dataset = AnnotationTableDataset(table="gencode_genes")
    dataset.load().drop(columns="gene_name", inplace=True)
    assert "gene_name" in dataset.load()


def test_an_unknown_table_is_refused():
    with pytest.raises(DatasetError, match="unknown table 'gencode'"):
        AnnotationTableDataset(table="gencode")

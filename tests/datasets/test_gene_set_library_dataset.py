"""``GeneSetLibraryDataset``: GMT files, then GO (OBO + GAF), as one library."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.io.core import DatasetError

from degnext.datasets import GeneSetLibraryDataset
from degnext.errors import DEGnextInputError

DATA = Path(__file__).resolve().parents[1] / "fixtures"


def test_gmt_and_go_combine_with_their_names():
    library = GeneSetLibraryDataset(
        gmt=[str(DATA / "tiny.gmt")],
        go_obo=str(DATA / "toy_go.obo"),
        go_gaf=str(DATA / "toy_go.gaf"),
    ).load()
    assert {"SET_A", "SET_D", "GO:0000003"} <= set(library)
    assert library.names["SET_A"] == "first toy set"
    assert library.names["GO:0000002"] == "toy adhesion"


def test_no_file_is_an_empty_library():
    dataset = GeneSetLibraryDataset()
    assert dataset.exists() and dataset.load() == {}


def test_missing_files_are_named(tmp_path):
    dataset = GeneSetLibraryDataset(gmt=[str(tmp_path / "absent.gmt")])
    assert not dataset.exists()
    with pytest.raises(DEGnextInputError, match="gene-set file .*absent.gmt does not exist"):
        dataset.check()
    go = GeneSetLibraryDataset(go_obo=str(tmp_path / "go.obo"), go_gaf=str(DATA / "toy_go.gaf"))
    with pytest.raises(DEGnextInputError, match="GO ontology file .*go.obo does not exist"):
        go.check()


def test_go_needs_both_files():
    with pytest.raises(DatasetError, match="go_obo and go_gaf together"):
        GeneSetLibraryDataset(go_obo=str(DATA / "toy_go.obo"))

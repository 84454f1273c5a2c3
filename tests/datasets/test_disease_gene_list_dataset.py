"""``DiseaseGeneListDataset``: a list file, one set of a GMT file, or ``none``."""

from __future__ import annotations

import pytest
from kedro.io.core import DatasetError

from degnext.datasets import DiseaseGeneListDataset
from degnext.errors import DEGnextInputError


def test_a_list_file_with_header_and_duplicates(tmp_path):
    path = tmp_path / "genes.csv"
    path.write_text("symbol\nTP53\nBRCA1\nTP53\n\n")
    genes = DiseaseGeneListDataset(filepath=str(path), cohort="X").load()
    assert list(genes["symbol"]) == ["BRCA1", "TP53"]


def test_one_set_of_a_gmt_file(tmp_path):
    path = tmp_path / "lib.gmt"
    path.write_text("SET_A\tdesc\tEGFR\tMYC\nSET_B\tdesc\tKRAS\n")
    genes = DiseaseGeneListDataset(filepath=f"{path}::SET_A", cohort="X").load()
    assert list(genes["symbol"]) == ["EGFR", "MYC"]
    with pytest.raises(DatasetError, match="no gene set named 'SET_C'"):
        DiseaseGeneListDataset(filepath=f"{path}::SET_C", cohort="X").load()


def test_none_opts_out_and_a_missing_list_names_the_parameter(tmp_path):
    assert DiseaseGeneListDataset(filepath="none", cohort="X").load().empty
    with pytest.raises(DEGnextInputError, match="parameter 'cohorts.X.disease_genes' is missing"):
        DiseaseGeneListDataset(cohort="X").check()
    absent = DiseaseGeneListDataset(filepath=str(tmp_path / "absent.txt"), cohort="X")
    assert not absent.exists()
    with pytest.raises(DEGnextInputError, match="'cohorts.X.disease_genes': no file .*absent.txt"):
        absent.check()
    with pytest.raises(DatasetError, match="cohorts.X.disease_genes"):
        absent.load()

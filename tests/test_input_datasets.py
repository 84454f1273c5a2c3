"""Issue 15: the run's input datasets are built from its parameters in one place
(``degnext.input_datasets``, added to the catalog by ``CohortRegistryHooks``)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from kedro.io import DataCatalog

from degnext.datasets import (
    CohortSourceDataset,
    DiseaseGeneListDataset,
    GeneSetLibraryDataset,
    PaperTableDataset,
    ReleaseCohortDataset,
)
from degnext.errors import DEGnextInputError
from degnext.hooks.cohort_registry import CohortRegistryHooks
from degnext.hooks.upstream import check_inputs
from degnext.input_datasets import input_datasets
from tests.test_config_merge import PROJECT, parameters

CONF = PROJECT / "conf"


def test_synthetic_cohorts_read_nothing_and_reporting_reads_its_parameters():
    built = input_datasets(parameters(CONF, "base", {"paper_tables": "tables"}))
    assert sorted(built) == [
        "reporting.gene_set_library", "reporting.paper_table_2", "reporting.paper_table_3",
    ]  # fmt: skip
    assert built["reporting.paper_table_3"]._describe() == {
        "filepath": "tables/table3_transfer_learning_Q.csv"
    }
    assert isinstance(built["reporting.paper_table_2"], PaperTableDataset)
    assert built["reporting.gene_set_library"]._describe() == {
        "gmt": [], "go_obo": None, "go_gaf": None,
    }  # fmt: skip


def test_go_files_and_gmt_libraries_become_one_gene_set_library():
    params = parameters(CONF, "base")
    params["reporting"]["enrichment"] |= {"gmt": ["a.gmt", "b.gmt"], "go_obo": "go.obo"}
    library = input_datasets(params)["reporting.gene_set_library"]
    assert isinstance(library, GeneSetLibraryDataset)
    assert library._describe() == {"gmt": ["a.gmt", "b.gmt"], "go_obo": None, "go_gaf": None}
    params["reporting"]["enrichment"]["go_gaf"] = "go.gaf"
    library = input_datasets(params)["reporting.gene_set_library"]
    assert library._describe()["go_obo"] == "go.obo" and library._describe()["go_gaf"] == "go.gaf"


def test_gdc_cohorts_get_their_source_over_the_defaults_and_their_gene_list():
    params = parameters(CONF, "paper", {"cohorts": {"CHOL": {"gdc": {"retries": 9}}}})
    built = input_datasets(params)
    source = built["CHOL.cohort_source"]
    assert isinstance(source, CohortSourceDataset)
    defaults = params["ingestion"]["sources"]["gdc"]
    assert source._describe() == {
        "source": "gdc",
        "settings": {**defaults, "project": "TCGA-CHOL", "retries": 9},
        "cohort": "CHOL",
    }
    genes = built["CHOL.disease_gene_list"]
    assert isinstance(genes, DiseaseGeneListDataset)
    assert genes._describe() == {
        "filepath": params["cohorts"]["CHOL"]["disease_genes"],
        "cohort": "CHOL",
    }
    assert len([name for name in built if name.endswith(".cohort_source")]) == 17


def test_release_cohorts_get_the_release_folder_and_their_cancer():
    params = parameters(CONF, "release", {"ingestion": {"sources": {"release": {"root": "r"}}}})
    built = input_datasets(params)
    assert isinstance(built["CHOL.release_cohort"], ReleaseCohortDataset)
    assert built["CHOL.release_cohort"]._describe() == {"root": "r", "cancer": "CHOL"}
    assert "CHOL.cohort_source" not in built and "CHOL.disease_gene_list" not in built


def _with_cohort(cohort: dict) -> dict:
    params = copy.deepcopy(parameters(CONF, "base"))
    params["cohorts"]["X"] = {"role": "untrained", "disease_genes": "none", **cohort}
    return params


def test_an_unknown_source_fails_when_the_catalog_is_built_naming_the_parameter():
    with pytest.raises(DEGnextInputError, match=r"parameter 'cohorts.X.source' is 'ftp'; use 'synthetic' or one of \['anndata'"):  # fmt: skip
        input_datasets(_with_cohort({"source": "ftp"}))


def test_a_source_setting_its_reader_does_not_take_fails_before_any_download():
    with pytest.raises(DEGnextInputError, match=r"source 'gdc': unknown \['projct'\]"):
        input_datasets(_with_cohort({"source": "gdc", "gdc": {"projct": "TCGA-X"}}))


def test_the_hook_adds_the_inputs_and_the_run_checks_their_files(tmp_path):
    params = _with_cohort(
        {
            "source": "matrix",
            "matrix": {"path": str(tmp_path / "counts.tsv")},
            "disease_genes": str(tmp_path / "genes.txt"),
        }  # fmt: skip
    )
    catalog = DataCatalog()
    CohortRegistryHooks().after_catalog_created(catalog, {"parameters": params})
    assert catalog["params:X.cohort_name"].load() == "X"
    assert isinstance(catalog["X.cohort_source"], CohortSourceDataset)
    with pytest.raises(DEGnextInputError, match=r"'cohorts.X.disease_genes': no file .*genes.txt"):
        check_inputs(["X.disease_gene_list", "params:X.cohort_name"], catalog)
    (tmp_path / "genes.txt").write_text("TP53\n")
    with pytest.raises(DEGnextInputError, match=r"'cohorts.X.matrix.path': no file .*counts.tsv"):
        check_inputs(["X.disease_gene_list", "X.cohort_source"], catalog)
    pd.DataFrame({"gene_id": ["G1"], "S1": [1]}).to_csv(tmp_path / "counts.tsv", sep="\t")
    check_inputs(["X.disease_gene_list", "X.cohort_source", "reporting.paper_table_2"], catalog)

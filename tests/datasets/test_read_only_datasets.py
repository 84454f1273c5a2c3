"""What every input dataset promises: it rebuilds from ``DataCatalog.to_config()`` (DaskRunner's
workers rebuild datasets from it), describes itself by its configuration, and refuses to save."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.io import DataCatalog
from kedro.io.core import DatasetError

from degnext import datasets
from degnext.datasets.input_dataset import InputDataset

DATA = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = {
    "AnnotationTableDataset": {"table": "gencode_genes"},
    "CohortSourceDataset": {
        "source": "gdc",
        "settings": {"project": "TCGA-CHOL", "cache_dir": "cache", "retries": 2},
        "cohort": "CHOL",
    },
    "DiseaseGeneListDataset": {"filepath": f"{DATA / 'tiny.gmt'}::SET_A", "cohort": "A"},
    "GeneSetLibraryDataset": {
        "gmt": [str(DATA / "tiny.gmt")],
        "go_obo": str(DATA / "toy_go.obo"),
        "go_gaf": str(DATA / "toy_go.gaf"),
    },
    "PaperTableDataset": {"filepath": "tables/table2_general_learning_T3.csv"},
    "ReleaseCohortDataset": {"root": "release", "cancer": "CHOL"},
}


def test_every_input_dataset_has_an_example():
    inputs = {n for n in datasets.__all__ if issubclass(getattr(datasets, n), InputDataset)}
    assert inputs == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_input_dataset_rebuilds_from_its_catalog_config(name: str) -> None:
    cls = getattr(datasets, name)
    catalog = DataCatalog({"d": cls(**EXAMPLES[name], metadata={"kedro-viz": {"layer": "raw"}})})
    config = catalog.to_config()[0]["d"]
    assert config["type"].endswith(f".{name}") and not {"args", "kwargs"} & set(config)
    rebuilt = DataCatalog.from_config({"d": config})["d"]
    assert type(rebuilt) is cls
    assert rebuilt._describe() == catalog["d"]._describe()
    assert {k: v for k, v in rebuilt._describe().items() if v is not None} == EXAMPLES[name]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_input_dataset_refuses_to_save(name: str) -> None:
    dataset = getattr(datasets, name)(**EXAMPLES[name])
    with pytest.raises(DatasetError, match=f"{name} is a read-only input of the run"):
        dataset.save({"any": "data"})

"""Every dataset class of the project survives ``DataCatalog.to_config()``.

DaskRunner's workers rebuild a node's datasets from that configuration, so a class whose recorded
``__init__`` arguments no constructor accepts would fail only on a cluster. The read-only input
datasets, which take no ``filepath`` of their own, are checked in ``tests/datasets``.
"""

from pathlib import Path

import pytest
from kedro.io import DataCatalog

from degnext import datasets
from degnext.datasets.input_dataset import InputDataset
from tests.tiny_project import PROJECT

FILE_DATASETS = [
    name
    for name in datasets.__all__
    if name not in ("PartitionedDataset", "CheckpointDataset", "SkopsDataset")
    and not issubclass(getattr(datasets, name), InputDataset)
]


@pytest.mark.parametrize("name", [*FILE_DATASETS, "CheckpointDataset", "SkopsDataset"])
def test_a_dataset_rebuilds_from_its_catalog_config(name: str, tmp_path: Path) -> None:
    cls = getattr(datasets, name)
    suffix = {"MultiqcTableDataset": "table_mqc.tsv", "PNGDataset": "f.png"}.get(name, "f.bin")
    extra = (
        {"header": {"id": "t", "section_name": "T", "plot_type": "table"}}
        if name == "MultiqcTableDataset"
        else {}
    )
    catalog = DataCatalog({"d": cls(filepath=str(tmp_path / suffix), **extra)})
    config = catalog.to_config()[0]["d"]
    assert config["filepath"] == str(tmp_path / suffix)
    assert not {"args", "kwargs"} & set(config)
    rebuilt = DataCatalog.from_config({"d": config})["d"]
    assert type(rebuilt) is cls


def test_partitioned_dataset_rebuilds_from_its_catalog_config(tmp_path: Path) -> None:
    catalog = DataCatalog(
        {
            "folds": datasets.PartitionedDataset(
                path=str(tmp_path),
                dataset="degnext.datasets.CheckpointDataset",
                filename_suffix=".pt",
            )
        }
    )
    config = catalog.to_config()[0]["folds"]
    assert (config["path"], config["filename_suffix"]) == (str(tmp_path), ".pt")
    rebuilt = DataCatalog.from_config({"folds": config})["folds"]
    assert type(rebuilt) is datasets.PartitionedDataset


def test_every_catalog_entry_is_a_project_dataset() -> None:
    """Every file the run writes goes through the project's atomic datasets (docs/reliability.md)."""
    import yaml

    catalog = yaml.safe_load((PROJECT / "conf/base/catalog.yml").read_text())
    foreign = {
        name: entry["type"]
        for name, entry in catalog.items()
        if isinstance(entry, dict) and not entry["type"].startswith("degnext.datasets.")
    }
    assert foreign == {}

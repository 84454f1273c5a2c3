"""Issue 16, item 4: every file dataset is replaced whole or not at all (degnext.datasets.atomic)."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal

import pandas as pd
import pytest
from kedro.io.core import DatasetError, Version
from matplotlib.figure import Figure

from degnext.datasets import (
    CheckpointDataset,
    CSVDataset,
    JSONDataset,
    MatplotlibDataset,
    ParquetDataset,
    PartitionedDataset,
    TextDataset,
)
from degnext.datasets.atomic import TEMP_MARK, remove_orphans, temp_path
from degnext.nn.model import DEGnext


def figure(value: float) -> Figure:
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [0, value])
    return fig


# dataset class, file name, extra arguments, a first value and a second, different value
CASES = {
    "parquet": (ParquetDataset, "t.parquet", {}, pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [3]})),
    "json": (JSONDataset, "m.json", {}, {"accuracy": 90.0}, {"accuracy": 10.0}),
    "csv": (CSVDataset, "t.csv", {"save_args": {"index": False}}, pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]})),
    "text": (TextDataset, "r.html", {}, "<p>first</p>", "<p>second</p>"),
    "png": (MatplotlibDataset, "f.png", {}, figure(1.0), figure(2.0)),
}  # fmt: skip


def temporaries(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if TEMP_MARK in p.name)


def _die_while_saving(kind: str, path: str) -> None:
    """Child process: write the second value, and get SIGKILLed once the temporary file is full."""
    from degnext.datasets import atomic

    def killed(_path) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    atomic._fsync_tree = killed
    cls, _, kwargs, _, second = CASES[kind]
    cls(filepath=path, **kwargs).save(second)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_save_killed_by_sigkill_leaves_the_previous_file_and_the_next_save_cleans_up(
    kind, tmp_path
):
    cls, name, kwargs, first, second = CASES[kind]
    path = tmp_path / name
    cls(filepath=str(path), **kwargs).save(first)
    before = path.read_bytes()
    child = multiprocessing.get_context("fork").Process(
        target=_die_while_saving, args=(kind, str(path))
    )
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert len(temporaries(tmp_path)) == 1  # the orphan of the killed save
    cls(filepath=str(path), **kwargs).save(second)
    assert temporaries(tmp_path) == []
    assert path.read_bytes() != before


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_save_that_fails_half_way_leaves_the_previous_file(kind, tmp_path, monkeypatch):
    cls, name, kwargs, first, second = CASES[kind]
    path = tmp_path / name
    cls(filepath=str(path), **kwargs).save(first)
    before = path.read_bytes()

    def disk_full(_path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("degnext.datasets.atomic._fsync_tree", disk_full)
    with pytest.raises(DatasetError, match="No space left"):
        cls(filepath=str(path), **kwargs).save(second)
    assert path.read_bytes() == before
    assert temporaries(tmp_path) == []


def test_json_that_cannot_be_serialised_half_way_leaves_the_previous_file(tmp_path):
    path = tmp_path / "metrics.json"
    JSONDataset(filepath=str(path)).save({"accuracy": 90.0})
    with pytest.raises(DatasetError, match="not JSON serializable"):
        JSONDataset(filepath=str(path)).save({"accuracy": 10.0, "model": object()})
    assert json.loads(path.read_text()) == {"accuracy": 90.0}
    assert temporaries(tmp_path) == []


def test_fold_models_are_replaced_only_as_a_complete_set(tmp_path, monkeypatch):
    folder = tmp_path / "first_level_folds"
    folds = PartitionedDataset(
        path=str(folder), dataset="degnext.datasets.CheckpointDataset", filename_suffix=".pt"
    )
    folds.save({"fold_0": lambda: DEGnext(45, seed=0), "fold_1": lambda: DEGnext(45, seed=1)})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    original = CheckpointDataset.save

    def fail_on_second_fold(self, data):
        if "fold_1" in str(self._filepath):
            raise OSError("killed")
        original(self, data)

    monkeypatch.setattr(CheckpointDataset, "save", fail_on_second_fold)
    with pytest.raises(DatasetError, match="killed"):
        folds.save({"fold_0": lambda: DEGnext(45, seed=2), "fold_1": lambda: DEGnext(45, seed=3)})
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert temporaries(tmp_path) == []
    monkeypatch.undo()
    folds.save({"fold_0": lambda: DEGnext(45, seed=4)})  # fewer folds: none of the old set remains
    assert sorted(p.name for p in folder.iterdir()) == ["fold_0.pt"]
    assert sorted(folds.load()) == ["fold_0"]


def test_a_folder_set_aside_by_an_interrupted_swap_is_put_back(tmp_path):
    from fsspec.implementations.local import LocalFileSystem

    folder = tmp_path / "folds"
    aside = tmp_path / temp_path(str(folder), f"{TEMP_MARK}old-").rsplit("/", 1)[1]
    aside.mkdir()
    (aside / "fold_0.pt").write_bytes(b"old model")
    half = tmp_path / temp_path(str(folder)).rsplit("/", 1)[1]
    half.mkdir()
    assert remove_orphans(LocalFileSystem(), str(folder)) == [str(half)]
    assert (folder / "fold_0.pt").read_bytes() == b"old model"
    assert temporaries(tmp_path) == []


def test_orphans_in_the_version_folders_of_a_checkpoint_are_removed(tmp_path):
    path = tmp_path / "model.pt"
    CheckpointDataset(filepath=str(path), version=Version(None, "v1")).save(DEGnext(45))
    orphan = path / "v1" / f".model.pt{TEMP_MARK}123-abc"
    orphan.write_bytes(b"half")
    CheckpointDataset(filepath=str(path), version=Version(None, "v2")).save(DEGnext(45))
    assert not orphan.exists()
    assert sorted(p.name for p in path.iterdir()) == ["v1", "v2"]

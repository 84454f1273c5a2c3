"""Model files from disk never run code: crafted pickles, skops files and torch files are refused.

Every payload here would create a marker file if it ran; each test proves it was refused with a
message naming the file, that the marker does not exist and that no file already there changed.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
import torch
from kedro.io import DataCatalog, DatasetError

from degnext.datasets import CheckpointDataset, SkopsDataset, StateDictDataset
from degnext.errors import DEGnextInputError
from degnext.evaluation import baselines
from degnext.nn.model import DEGnext, load_published


class OpensOnUnpickle:
    """Pickling this stores a call to ``open(marker, "w")`` that unpickling would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


class WritesOnSetState:
    """skops rebuilds objects with ``__setstate__``: trusting this type would create the marker."""

    marker = ""

    def __getstate__(self) -> dict:
        return {"marker": self.marker}

    def __setstate__(self, state: dict) -> None:
        Path(state["marker"]).write_text("payload ran")


@pytest.fixture
def fitted() -> dict:
    """Every baseline, fitted on a tiny separable problem (knn also with rows scaling, ball tree)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 6))
    y = (X[:, 0] > 0).astype(int)
    models = {
        name: baselines.fit_baseline(name, {}, X, y, seed=1, n_jobs=1) for name in baselines.MODELS
    }
    models["knn_rows_ball_tree"] = baselines.fit_baseline(
        "knn", {"scaling": "rows", "algorithm": "ball_tree"}, X, y, seed=1, n_jobs=1
    )
    return {"models": models, "X": X}


def _refused(dataset, marker: Path, match: str) -> None:
    with pytest.raises((DatasetError, DEGnextInputError), match=match):
        dataset.load()
    assert not marker.exists(), "the payload ran"


def test_pickle_with_payload_is_refused_by_the_model_dataset(tmp_path, untouched):
    marker, path = tmp_path / "marker", tmp_path / "baseline_models.pkl"
    path.write_bytes(pickle.dumps({"knn": OpensOnUnpickle(marker)}))
    guard = untouched(tmp_path)
    _refused(SkopsDataset(filepath=str(path)), marker, r"baseline_models\.pkl is not a skops model")
    assert guard.check() == set()


def test_pickle_renamed_to_skops_is_refused(tmp_path, untouched):
    marker, path = tmp_path / "marker", tmp_path / "baseline_models.skops"
    path.write_bytes(pickle.dumps(OpensOnUnpickle(marker)))
    guard = untouched(tmp_path)
    _refused(SkopsDataset(filepath=str(path)), marker, "not a skops model file")
    assert guard.check() == set()


def test_skops_file_with_an_untrusted_type_is_refused_before_it_is_built(tmp_path, untouched):
    marker, path = tmp_path / "marker", tmp_path / "models.skops"
    payload = WritesOnSetState()
    payload.marker = str(marker)
    path.write_bytes(sio.dumps({"knn": payload}))
    guard = untouched(tmp_path)
    _refused(SkopsDataset(filepath=str(path)), marker, r"not trusted to load: .*WritesOnSetState")
    assert guard.check() == set()


def test_skops_file_naming_a_function_outside_the_allow_list_is_refused(tmp_path, untouched):
    path = tmp_path / "models.skops"
    path.write_bytes(sio.dumps({"scale": np.frombuffer, "call": eval}))
    guard = untouched(tmp_path)
    with pytest.raises(DatasetError, match=r"models\.skops holds type\(s\) .*builtins\.eval"):
        SkopsDataset(filepath=str(path)).load()
    assert guard.check() == set()


def test_zip_that_is_not_skops_is_refused(tmp_path, untouched):
    path = tmp_path / "models.skops"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.pkl", pickle.dumps(OpensOnUnpickle(tmp_path / "marker")))
    path.write_bytes(buffer.getvalue())
    guard = untouched(tmp_path)
    _refused(SkopsDataset(filepath=str(path)), tmp_path / "marker", "not a valid skops model file")
    assert guard.check() == set()


def test_extra_trusted_types_come_only_from_the_catalog(tmp_path):
    marker, path = tmp_path / "marker", tmp_path / "models.skops"
    payload = WritesOnSetState()
    payload.marker = str(marker)
    path.write_bytes(sio.dumps(payload))
    name = f"{WritesOnSetState.__module__}.{WritesOnSetState.__qualname__}"
    SkopsDataset(filepath=str(path), load_args={"trusted": [name]}).load()
    assert marker.read_text() == "payload ran"  # trust is explicit, and then it is honoured


def test_every_baseline_round_trips_with_identical_probabilities(tmp_path, fitted):
    dataset = SkopsDataset(filepath=str(tmp_path / "baseline_models.skops"))
    dataset.save(fitted["models"])
    loaded = dataset.load()
    assert sorted(loaded) == sorted(fitted["models"])
    for name, model in fitted["models"].items():
        np.testing.assert_array_equal(
            baselines.predict_up_probability(loaded[name], fitted["X"]),
            baselines.predict_up_probability(model, fitted["X"]),
            err_msg=name,
        )
    assert [p.name for p in tmp_path.iterdir()] == ["baseline_models.skops"]  # no temp file left


def test_same_models_give_the_same_bytes(tmp_path, fitted):
    first, second = tmp_path / "a.skops", tmp_path / "b.skops"
    SkopsDataset(filepath=str(first)).save(fitted["models"])
    SkopsDataset(filepath=str(second)).save(fitted["models"])
    assert first.read_bytes() == second.read_bytes()


def test_versioned_catalog_entry_keeps_each_version(tmp_path, fitted):
    config = {
        "CHOL.baseline_models": {
            "type": "degnext.datasets.SkopsDataset",
            "filepath": str(tmp_path / "06_models" / "CHOL" / "baseline_models.skops"),
            "versioned": True,
        }
    }
    knn = {"knn": fitted["models"]["knn"]}
    for version, models in (
        ("2026-01-01T00.00.00.000Z", fitted["models"]),
        ("2026-01-02T00.00.00.000Z", knn),
    ):
        DataCatalog.from_config(config, save_version=version).save("CHOL.baseline_models", models)
    folder = tmp_path / "06_models" / "CHOL" / "baseline_models.skops"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-01-01T00.00.00.000Z",
        "2026-01-02T00.00.00.000Z",
    ]
    assert list(DataCatalog.from_config(config).load("CHOL.baseline_models")) == ["knn"]


def test_checkpoint_with_payload_is_refused(tmp_path, untouched):
    marker, path = tmp_path / "marker", tmp_path / "model.pt"
    torch.save({"format": "degnext-checkpoint/1", "config": OpensOnUnpickle(marker)}, path)
    guard = untouched(tmp_path)
    _refused(
        CheckpointDataset(filepath=str(path)), marker, r"model\.pt is not a plain weights file"
    )
    assert guard.check() == set()


def test_checkpoint_load_args_cannot_turn_weights_only_off(tmp_path):
    marker, path = tmp_path / "marker", tmp_path / "model.pt"
    torch.save({"config": OpensOnUnpickle(marker)}, path)
    dataset = CheckpointDataset(filepath=str(path), load_args={"weights_only": False})
    _refused(dataset, marker, "weights_only=False is refused")


def test_state_dict_pth_with_payload_is_refused(tmp_path, untouched):
    marker, path = tmp_path / "marker", tmp_path / "weights.pth"
    state = DEGnext(30, 1).state_dict()
    state["Lin5.weight"] = OpensOnUnpickle(marker)
    torch.save(state, path)
    guard = untouched(tmp_path)
    _refused(
        StateDictDataset(filepath=str(path)), marker, r"weights\.pth is not a plain weights file"
    )
    assert guard.check() == set()


def test_published_weights_as_a_plain_pickle_are_refused(tmp_path, untouched):
    marker, path = tmp_path / "marker", tmp_path / "DEGnextModel_transfer.pth"
    path.write_bytes(pickle.dumps(OpensOnUnpickle(marker)))
    guard = untouched(tmp_path)
    with pytest.raises(DEGnextInputError, match=r"published weights .*DEGnextModel_transfer\.pth"):
        load_published(path, 30)
    assert not marker.exists()
    assert guard.check() == set()

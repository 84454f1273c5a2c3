"""CheckpointDataset: round trips, versioned catalog entries, atomic writes, published weights."""

import pytest
import torch
from kedro.io import DataCatalog, DatasetError, Version

from degnext.datasets import CheckpointDataset, StateDictDataset
from degnext.datasets.checkpoint_dataset import FORMAT
from degnext.errors import DEGnextInputError
from degnext.nn.model import DEGnext, from_published, load_published
from tests.tiny_project import SHARED

PUBLISHED = SHARED / "data" / "degnext_release" / "pretrained" / "DEGnextModel_transfer.pth"


def _same_weights(a: DEGnext, b: DEGnext) -> bool:
    sb = b.state_dict()
    return a.state_dict().keys() == sb.keys() and all(
        torch.equal(v, sb[k]) for k, v in a.state_dict().items()
    )


def test_round_trip_keeps_weights_config_and_provenance(tmp_path):
    model = DEGnext(89, seed=0, softmax_output=True)
    model.provenance = {"cohort": "CHOL", "cv": [{"fold": 0, "accuracy": 91.5}]}
    ds = CheckpointDataset(filepath=str(tmp_path / "m" / "model.pt"))
    assert not ds.exists()
    ds.save(model)
    assert ds.exists()
    loaded = ds.load()
    assert loaded.config == model.config and loaded.provenance == model.provenance
    assert _same_weights(model, loaded)
    payload = torch.load(tmp_path / "m" / "model.pt", weights_only=True)
    assert payload["format"] == FORMAT
    assert set(payload["versions"]) == {"torch", "degnext", "python"}
    assert list(tmp_path.joinpath("m").iterdir()) == [tmp_path / "m" / "model.pt"]


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    ds = CheckpointDataset(filepath=str(path))
    ds.save(DEGnext(45, seed=0))
    before = path.read_bytes()

    def disk_full(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("degnext.datasets.atomic._fsync_tree", disk_full)
    with pytest.raises(DatasetError, match="disk full"):
        ds.save(DEGnext(45, seed=1))
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_rejects_other_objects_and_foreign_files(tmp_path):
    ds = CheckpointDataset(filepath=str(tmp_path / "x.pt"))
    with pytest.raises(DatasetError, match="DEGnext model"):
        ds.save({"not": "a model"})
    torch.save({"format": "other"}, tmp_path / "x.pt")
    with pytest.raises(DatasetError, match=FORMAT):
        ds.load()


def test_versioned_catalog_entry_round_trip(tmp_path):
    config = {
        "CHOL.cnn_model": {
            "type": "degnext.datasets.CheckpointDataset",
            "filepath": str(tmp_path / "06_models" / "CHOL" / "degnext.pt"),
            "versioned": True,
        }
    }
    first, second = DEGnext(45, seed=0), DEGnext(45, seed=1).swap_to_binary_head(seed=1)
    DataCatalog.from_config(config, save_version="2026-01-01T00.00.00.000Z").save(
        "CHOL.cnn_model", first
    )
    DataCatalog.from_config(config, save_version="2026-01-02T00.00.00.000Z").save(
        "CHOL.cnn_model", second
    )
    versions = sorted(p.name for p in (tmp_path / "06_models" / "CHOL" / "degnext.pt").iterdir())
    assert versions == ["2026-01-01T00.00.00.000Z", "2026-01-02T00.00.00.000Z"]
    latest = DataCatalog.from_config(config).load("CHOL.cnn_model")
    assert latest.is_binary and _same_weights(latest, second)
    pinned = DataCatalog.from_config(config, load_versions={"CHOL.cnn_model": versions[0]})
    assert _same_weights(pinned.load("CHOL.cnn_model"), first)
    ds = CheckpointDataset(
        filepath=config["CHOL.cnn_model"]["filepath"], version=Version(None, None)
    )
    assert "version" in ds._describe() and ds.exists()


def test_published_weights_survive_our_checkpoint(tmp_path):
    if not PUBLISHED.exists():
        pytest.skip(f"shared file {PUBLISHED} is absent (it lives beside the project in ../shared)")
    published = load_published(PUBLISHED, 434)
    ds = CheckpointDataset(filepath=str(tmp_path / "transfer.pt"))
    ds.save(published)
    loaded = ds.load().eval()
    x = torch.randn(32, 434) * 500 + 1500
    with torch.inference_mode():
        assert torch.equal(published(x), loaded(x))
    assert _same_weights(published, loaded)
    assert loaded.provenance["source"] == "published state_dict"


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_state_dict_dataset_feeds_from_published_any_head(tmp_path, n_outputs):
    trained = DEGnext(30, n_outputs, seed=4).eval()
    torch.save(trained.state_dict(), tmp_path / "weights.pth")
    state = StateDictDataset(filepath=str(tmp_path / "weights.pth")).load()
    rebuilt = from_published(state, 30)
    assert rebuilt.config.n_outputs == n_outputs and _same_weights(trained, rebuilt)
    x = torch.rand(5, 41) * 100  # a prime width other than the nominal one
    with torch.inference_mode():
        assert torch.equal(trained(x), rebuilt(x))


def test_state_dict_dataset_is_read_only_and_names_bad_files(tmp_path):
    missing = StateDictDataset(filepath=str(tmp_path / "absent.pth"))
    assert not missing.exists()
    with pytest.raises(DatasetError, match="absent.pth"):
        missing.load()
    torch.save({"config": {"n_inputs": 3}}, tmp_path / "not_weights.pth")
    with pytest.raises(DatasetError, match="does not hold a state_dict"):
        StateDictDataset(filepath=str(tmp_path / "not_weights.pth")).load()
    with pytest.raises(DatasetError, match="read-only"):
        missing.save({"Lin5.weight": torch.zeros(1, 8)})


def test_from_published_names_a_state_dict_of_another_network():
    state = DEGnext(30, 1).state_dict()
    state["Lin1.0.weight"] = torch.zeros(7, 7)
    with pytest.raises(DEGnextInputError, match="transfer.published_weights"):
        from_published(state, 30, "transfer.published_weights")

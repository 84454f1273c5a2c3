"""The report on the authors' release with their published transfer weights, run as a user runs it.

kedro run --env release --params experiments.general_learning=false,experiments.transfer_model=published
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from kedro.io import Version
from test_run import kedro, make_project

from degnext.datasets import CheckpointDataset
from degnext.metrics import binary_metrics
from degnext.model import load_published
from degnext.predict import predict_logits

UNTRAINED = ("BLCA", "CHOL", "COAD", "ESCA", "HNSC", "KICH", "READ", "STAD")


@pytest.fixture(scope="module")
def release_run(shared, tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("release"))
    shutil.rmtree(root / "conf/local")
    (root / "conf/local").mkdir()
    release = shared / "data/degnext_release"
    params = ",".join(
        [
            "experiments.general_learning=false",
            "experiments.transfer_model=published",
            f"published_weights={release / 'pretrained/DEGnextModel_transfer.pth'}",
            f"ingestion.sources.release.root={release}",
        ]
    )
    kedro(root, "run", "--env", "release", "--params", params)
    return root, release


def test_published_model_replaces_training_and_scores_every_untrained_cohort(release_run):
    root, release = release_run
    models = root / "data/release/06_models/transfer"
    assert not (models / "first_level_model.pt").exists()
    model = CheckpointDataset(filepath=str(models / "model.pt"), version=Version(None, None)).load()
    assert model.provenance["source"] == "published state_dict" and model.is_binary
    table = pd.read_csv(root / "data/release/08_reporting/table_transfer_learning_Q.csv")
    assert tuple(table["dataset"]) == UNTRAINED
    stem = release / "datasets/TCGA-BLCA_biologically_validated"
    X = pd.read_csv(f"{stem}_data.csv", header=None).to_numpy(dtype=np.float32)
    y = np.loadtxt(f"{stem}_labels.txt").astype(int)
    published = load_published(release / "pretrained/DEGnextModel_transfer.pth", X.shape[1])
    logits = predict_logits(published, X, device="cpu")
    expected = binary_metrics(y, torch.sigmoid(torch.as_tensor(logits)).numpy())
    blca = table.set_index("dataset").loc["BLCA"]
    assert blca["n_genes"] == len(y)
    assert blca["accuracy"] == pytest.approx(expected["accuracy"], abs=1e-9)
    assert blca["mcc"] == pytest.approx(expected["mcc"], abs=1e-9)


def test_release_tables_equal_the_metrics_they_come_from(release_run):
    root, _ = release_run
    out = root / "data/release"
    transfer = pd.read_csv(out / "08_reporting/table_transfer_learning_Q.csv").set_index("dataset")
    baselines = pd.read_csv(out / "08_reporting/table_baselines_Q.csv")
    for name in UNTRAINED:
        metrics = json.loads((out / f"07_model_output/{name}/transfer_metrics.json").read_text())
        for key in ("accuracy", "recall", "precision", "f_measure", "mcc", "roc_auc"):
            assert transfer.loc[name, key] == pytest.approx(metrics[key])
        rows = baselines[baselines["dataset"] == name].set_index("model")
        assert rows.loc["DEGnext", "accuracy"] == pytest.approx(metrics["accuracy"])
        own = pd.read_parquet(out / f"07_model_output/{name}/transfer_baseline_metrics.parquet")
        for _, row in own.iterrows():
            assert rows.loc[row["model"], "mcc"] == pytest.approx(row["mcc"])
        assert {"xgboost", "logfc_sign"} <= set(rows.index)
    assert pd.read_csv(out / "08_reporting/table_general_learning_T3.csv").empty


def test_release_report_says_what_was_run(release_run):
    root, _ = release_run
    html = (root / "data/release/08_reporting/report.html").read_text()
    assert "Not run: experiments.general_learning is false" in html
    assert "published transfer model, applied without retraining" in html
    assert "DEGnext and baselines on Q" in html
    assert html.count("data:image/png;base64,") >= 1
    assert (root / "data/release/08_reporting/roc_transfer_learning.png").stat().st_size > 1000

"""The report on the authors' release with their published transfer weights, run as a user runs it.

kedro run --env release --params experiments.general_learning=false,experiments.transfer_model=published
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from kedro.io import Version
from sklearn.metrics import roc_auc_score

from degnext.datasets import CheckpointDataset
from degnext.evaluation.metrics import binary_metrics, binary_metrics_from_logits
from degnext.nn.inference import binary_logits
from degnext.nn.model import load_published
from degnext.pipelines.reporting.nodes import RELEASE, WHOLE
from tests.tiny_project import PROJECT, kedro, make_project

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
            f"paper_tables={shared / 'data/paper_tables'}",
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
    logits = binary_logits(published, X, device="cpu")
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


def test_release_report_header_names_real_data_environment_and_published_file(release_run):
    root, release = release_run
    html = (root / "data/release/08_reporting/report.html").read_text()
    about = html[html.index('<table class="about">') : html.index("<nav>")]
    assert "real: the DEGnext authors&#x27; released TCGA splits" in about
    assert "<th>Kedro environment</th><td>release</td>" in about
    weights = release / "pretrained/DEGnextModel_transfer.pth"
    assert f"the authors&#x27; published weights, file {weights}" in about
    assert "<th>Code commit</th><td>unknown</td>" in about  # the test project is no checkout
    for term in ("T1", "T2", "F1", "T3", "Q"):
        assert f"<dt>{term}</dt>" in html


def test_release_transfer_table_computes_both_ways_beside_table3(release_run, shared):
    root, _ = release_run
    out = root / "data/release"
    table = pd.read_csv(out / "08_reporting/table_transfer_learning_Q_vs_paper.csv")
    paper = pd.read_csv(shared / "data/paper_tables/table3_transfer_learning_Q.csv")
    for name in UNTRAINED:
        rows = table[table["dataset"] == name].set_index(["model", "metrics"])
        assert list(rows.index.get_level_values("model")) == [
            "DEGnext, published weights", "DEGnext, published weights", "logfc_sign rule",
            "paper Table 3",
        ]  # fmt: skip
        predictions = pd.read_parquet(out / f"07_model_output/{name}/transfer_predictions.parquet")
        y, logit = predictions["label"].to_numpy(), predictions["logit"].to_numpy()
        release_way = binary_metrics_from_logits(
            y, logit, decision="logit", aggregate="batch_mean", batch_size=64
        )
        stored = json.loads((out / f"07_model_output/{name}/transfer_metrics.json").read_text())
        ours = "DEGnext, published weights"
        for key in ("accuracy", "precision", "mcc"):
            assert rows.loc[(ours, RELEASE), key] == pytest.approx(release_way[key])
            assert rows.loc[(ours, WHOLE), key] == pytest.approx(stored[key])
        printed = paper.set_index("dataset").loc[name]
        assert rows.loc[("paper Table 3", "as printed"), "accuracy"] == pytest.approx(
            printed["accuracy"]
        )
    html = (out / "08_reporting/report.html").read_text()
    assert "paper Table 3" in html and "On Q it beats DEGnext (accuracy) on" in html


def test_release_auc_comes_from_float64_logits_not_float32_ties(release_run):
    """ESCA: float32 P(UR) ties dozens of genes at 1.0; the report's AUC is the logits' one."""
    root, _ = release_run
    out = root / "data/release"
    predictions = pd.read_parquet(out / "07_model_output/ESCA/transfer_predictions.parquet")
    assert predictions["logit"].dtype == np.float64
    y, logit = predictions["label"].to_numpy(), predictions["logit"].to_numpy()
    p32 = torch.sigmoid(torch.as_tensor(logit, dtype=torch.float32)).numpy()
    assert (p32 == 1).sum() > 10
    exact, tied = roc_auc_score(y, logit), roc_auc_score(y, p32)
    assert tied < exact
    table = pd.read_csv(out / "08_reporting/table_transfer_learning_Q.csv").set_index("dataset")
    assert table.loc["ESCA", "roc_auc"] == pytest.approx(exact, abs=1e-12)


def test_release_report_renders_in_headless_chromium(release_run, tmp_path):
    """Header, glossary, Table 3 beside ours and captions, as Chromium renders them."""
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    root, _ = release_run
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT / "scripts/check_in_browser.py"),
            "--report",
            str(root / "data/release/08_reporting/report.html"),
            "--out",
            str(tmp_path),
            "--skip-viz",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")

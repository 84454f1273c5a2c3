"""Report: one self-contained page with the tables' values and embedded PNG figures."""

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score

from degnext import reproducible
from degnext.datasets import PNGDataset
from degnext.evaluation import figures, metrics, report
from degnext.hooks.run_info import git_commit, weights_digest
from degnext.nn import inference
from degnext.nn.model import DEGnext
from degnext.pipelines import cnn_transfer, reporting
from degnext.pipelines.reporting import nodes
from degnext.pipelines.reporting import page as report_page
from tests.tiny_project import kedro, make_project

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page() -> str:
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [0, 1])
    metrics = pd.DataFrame(
        {"dataset": ["BLCA", "CHOL"], "accuracy": [95.6912, 98.26], "mcc": [0.90812, 0.94]}
    )
    terms = pd.DataFrame({"term": ["Cell <adhesion>"], "p_value": [5.32e-06], "overlap": [7]})
    sections = [
        report.Section(
            "General learning", ["Per cohort & per fold."], [("Metrics on T3", metrics)], [fig]
        ),
        report.Section(
            "Enrichment",
            tables=[("Top terms", terms)],
            figures=[("Raw PNG", figures.figure_to_png_bytes(fig))],
        ),
        report.run_section({"cnn": {"epochs": 50, "device": "auto"}, "cohorts": ["BLCA", "CHOL"]}),
    ]
    return report.build_html_report("DEGnext <test> report", sections)


def test_page_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page and "<script" not in page


def test_page_has_table_values_formatted_and_escaped(page):
    assert "95.69" in page and "98.26" in page
    assert "0.908" in page and "0.940" in page  # one format per column: 3 decimals
    assert "5.32e-06" in page
    assert "Cell &lt;adhesion&gt;" in page and "Cell <adhesion>" not in page
    assert "<title>DEGnext &lt;test&gt; report</title>" in page
    assert "<caption>Metrics on T3</caption>" in page


def test_page_embeds_png_figures(page):
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    assert all(base64.b64decode(data).startswith(PNG_SIGNATURE) for data in images)
    assert "<figcaption>Raw PNG</figcaption>" in page


def test_table_of_contents_links_every_section(page):
    for i, heading in enumerate(["General learning", "Enrichment", "Run"], start=1):
        assert f'<a href="#section-{i}">{heading}</a>' in page
        assert f'<section id="section-{i}"><h2>{heading}</h2>' in page


def test_run_section_lists_parameters_and_versions(page):
    assert "cnn.epochs" in page and "cnn.device" in page and "&#x27;auto&#x27;" in page
    for package in ("kedro", "torch", "pandas", "scikit-learn", "xgboost", "degnext"):
        assert f"<td>{package}</td>" in page


def test_long_tables_are_cut_with_a_note():
    html = report.table_html("big", pd.DataFrame({"x": range(30)}), max_rows=10)
    assert html.count("<tr>") == 11
    assert "First 10 of 30 rows." in html


def test_format_number():
    assert report.format_number(3) == "3"
    assert report.format_number(np.float64(0.123456)) == "0.1235"
    assert report.format_number(1.5e-7) == "1.50e-07"
    assert report.format_number(95.6912) == "95.69"
    assert report.format_number(float("nan")) == ""
    assert report.format_number(pd.NA) == ""
    assert report.format_number("BRCA") == "BRCA"


def test_roc_figure_labels_auc():
    curves = {
        "BLCA": (np.array([0, 0.1, 1]), np.array([0, 0.9, 1]), 0.9),
        "CHOL": (np.array([0, 1]), np.array([0, 1]), 0.5),
    }
    fig = figures.roc_figure(curves, "ROC")
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == ["chance", "BLCA (AUC 0.900)", "CHOL (AUC 0.500)"]
    assert figures.figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)
    assert figures.figure_to_png_bytes(figures.roc_figure({}, "empty")).startswith(PNG_SIGNATURE)


def test_robustness_figure_log_axis_and_panels():
    levels = [0, 1, 10, 100, 1500]
    table = pd.DataFrame(
        [
            {
                "cohort": c,
                "model": m,
                "noise_level": lv,
                "mean_accuracy": 90 - lv / 100,
                "sd_accuracy": 1.0,
            }
            for c in ("BLCA", "CHOL")
            for m in ("DEGnext", "svc")
            for lv in levels
        ]
    )
    fig = figures.robustness_figure(table)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["BLCA", "CHOL"]
    assert visible[0].get_xscale() == "symlog"
    assert len(visible[0].containers) == 2  # one error-bar series per model
    single = figures.robustness_figure(table[table["cohort"] == "BLCA"].drop(columns="cohort"))
    assert len([ax for ax in single.axes if ax.get_visible()]) == 1
    assert figures.figure_to_png_bytes(single).startswith(PNG_SIGNATURE)


def test_metrics_bar_figure_puts_percent_and_fractions_on_one_axis():
    table = pd.DataFrame(
        {"model": ["DEGnext", "svc", "svc"], "accuracy": [96.0, 80.0, 90.0], "mcc": [0.9, 0.6, 0.8]}
    )
    fig = figures.metrics_bar_figure(table)
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [0.7, 0.85, 0.9, 0.96]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["accuracy", "mcc"]


# --- what each number is: the report page of a run (page.html_report on small tables) ---------


PAPER3 = pd.DataFrame(
    {"dataset": ["CHOL"], "accuracy": [98.26], "recall": [98.26], "precision": [98.49],
     "f_measure": [0.98], "mcc": [0.94]}
)  # fmt: skip
COHORTS = {
    "A": {"role": "train", "source": "synthetic", "synthetic": {"like": "BRCA"}},
    "C": {"role": "untrained", "source": "synthetic", "synthetic": {"like": "CHOL"}},
}


def _predictions(logit, label) -> pd.DataFrame:
    logit = np.asarray(logit, dtype=float)
    return pd.DataFrame(
        {"gene_id": [f"g{i}" for i in range(len(logit))], "symbol": [f"S{i}" for i in range(len(logit))],
         "set": "T3", "label": label, "logit": logit, "p_up": 1 / (1 + np.exp(-logit)),
         "call": np.where(logit >= 0, "UR", "DR")}
    )  # fmt: skip


def _sign_metrics() -> pd.DataFrame:
    return pd.DataFrame(
        [{"model": "logfc_sign", "n": 4, "n_up": 2, "accuracy": 100.0, "recall": 100.0,
          "precision": 100.0, "f_measure": 1.0, "mcc": 1.0, "roc_auc": 1.0}]
    )  # fmt: skip


def test_transfer_comparison_computes_both_ways_beside_table3_and_published():
    ours = _predictions([0.2, 0.7, -2.0, 3.0], [0, 1, 0, 1])  # logit 0.2: UR by P(UR), DR by logit
    published = _predictions([5.0, 5.0, 5.0, 5.0], [0, 1, 0, 1])  # calls every gene UR
    table = nodes.transfer_comparison_table(
        ["C"], COHORTS, {"transfer_model": "trained"}, {"metrics": {"batch_size": 2}}, PAPER3,
        ours, _sign_metrics(), published,
    )  # fmt: skip
    rows = table.set_index(["model", "metrics"])
    whole = rows.loc[("DEGnext, trained here", nodes.WHOLE)]
    release = rows.loc[("DEGnext, trained here", nodes.RELEASE)]
    assert whole["accuracy"] == pytest.approx(75.0) and whole["n_called_UR"] == 3
    assert release["accuracy"] == pytest.approx(100.0) and release["n_called_UR"] == 2
    assert rows.loc[("DEGnext, published weights", nodes.WHOLE), "n_called_UR"] == 4
    assert rows.loc[("logfc_sign rule", nodes.WHOLE), "accuracy"] == 100.0
    paper = rows.loc[("paper Table 3 (CHOL, real data)", "as printed")]
    assert paper["accuracy"] == 98.26 and paper["mcc"] == 0.94


def _page(run_info=None, enriched=None, paper=PAPER3) -> str:
    ours = _predictions([0.2, 0.7, -2.0, 3.0], [0, 1, 0, 1])
    comparison = nodes.transfer_comparison_table(
        ["C"], COHORTS, {"transfer_model": "trained"}, {"metrics": {"batch_size": 2}}, paper,
        ours, _sign_metrics(), _predictions([5.0] * 4, [0, 1, 0, 1]),
    )  # fmt: skip
    baseline = nodes.baseline_table(
        ["C"], _sign_metrics(), {"n": 4, "n_up": 3, **dict.fromkeys(nodes.METRIC_COLUMNS, 0.5)}
    )
    predicted = nodes.predicted_genes([], ["C"], ours)
    if enriched is None:
        enriched = pd.DataFrame(
            {"dataset": "C", "experiment": "transfer", "term": ["T_SIG", "T_NS1", "T_NS2"],
             "term_name": ["sig", "ns", "ns"], "size": 5, "overlap": 3,
             "p_value": [1e-6, 0.5, 1.0], "q_value": [3e-6, 0.75, 1.0]}
        )  # fmt: skip
    png = figures.figure_to_png_bytes(figures.roc_figure({}, "x"))
    reporting = {
        "title": "DEGnext report",
        "paper_tables": "../shared/data/paper_tables",
        "enrichment": {"gmt": [], "go_obo": None, "go_gaf": None, "q_cutoff": 0.05, "max_rows": 20},
    }
    parameters = {
        "cohorts": COHORTS,
        "cnn_general": {"metrics": {"decision": "probability", "aggregate": "whole", "batch_size": 64}},
        "zeta": 1,
        "alpha": {"b": 2, "a": 1},
    }  # fmt: skip
    empty = pd.DataFrame()
    run_info = run_info or {"environment": "local", "date": "2026-11-25", "commit": "abc123",
                            "weights": "transfer model trained in this run, checkpoint version V"}  # fmt: skip
    return report_page.html_report(
        empty, empty, empty, comparison, baseline, baseline, pd.DataFrame(), enriched, predicted,
        png, png, png, run_info, DEGnext(16, seed=0), empty, reporting, parameters,
    )  # fmt: skip


def test_report_header_says_data_environment_date_commit_and_weights():
    html = _page()
    about = html[html.index('<table class="about">') : html.index("<nav>")]
    assert "synthetic: generated TCGA-like counts, not patient data (A, C)" in about
    for value in ("local", "2026-11-25", "abc123", "checkpoint version V"):
        assert f"<td>{value}" in about or value in about
    assert (
        about.index("Kedro environment")
        < about.index("Code commit")
        < about.index("Transfer weights")
    )


def test_report_glossary_sentences_and_paper_rows():
    html = _page()
    for term in ("P", "Q", "T1", "T2", "F1", "T3"):
        assert f"<dt>{term}</dt>" in html
    assert "paper Table 3 (CHOL, real data)" in html and "98.26" in html
    assert "whole set: a gene is UR when P(UR) &gt;= 0.5" in html
    assert "release code: a gene is UR when its logit is &gt;= 0.5" in html
    assert "imitates (synthetic.like)" in html
    assert "logfc_sign is a rule, not a trained model" in html
    assert "On Q it beats DEGnext (accuracy) on 1 of 1 cohort(s)." in html
    assert "Not run: experiments.general_learning is false" in html


def test_report_remarks_a_model_that_calls_one_class():
    html = _page()
    assert "Remark: on C, DEGnext, published weights calls every Q gene UR" in html
    assert "Remark: on C, DEGnext, trained here calls every" not in html


def test_report_shows_significant_enrichment_terms_and_counts_the_rest():
    html = _page()
    assert "T_SIG" in html and "T_NS1" not in html and "T_NS2" not in html
    assert "2 of 3 tested terms have q &gt;= 0.05" in html
    assert "built-in synthetic ones" in html


def test_report_links_files_and_captions_every_figure():
    html = _page()
    for name in ("predicted_genes.csv", "table_transfer_learning_Q_vs_paper.csv", "enrichment.csv"):
        assert f'<a href="{name}">{name}</a>' in html
    assert html.count("<figure>") == html.count("<figcaption>") >= 1
    assert html.index("<img") < html.index("<figcaption>")  # the caption is under the figure


def test_report_lists_parameters_sorted_and_is_byte_identical_for_the_same_inputs():
    html = _page()
    keys = re.findall(r"<tr><td>([a-z_.]+)</td><td>", html[html.index("<caption>Parameters") :])
    params = [k for k in keys if k.split(".")[0] in ("alpha", "zeta", "cohorts", "cnn_general")]
    assert params == sorted(params) and params.index("alpha.a") < params.index("zeta")
    assert _page() == html


def test_report_says_when_the_paper_tables_are_absent():
    empty = pd.DataFrame(columns=["dataset", "accuracy"])
    html = _page(paper=empty)
    assert "paper&#x27;s tables were not found in ../shared/data/paper_tables" in html


def test_one_format_per_column():
    table = pd.DataFrame({"accuracy": [100.0, 95.6912], "mcc": [1.0, 0.5], "n_genes": [10.0, np.nan],
                          "q_value": [1.0, 1.2e-5]})  # fmt: skip
    html = report.table_html("t", table)
    for text in ("100.00", "95.69", "1.000", "0.500", ">10<", "1.00e+00", "1.20e-05"):
        assert text in html, text


def test_report_date_honours_source_date_epoch():
    assert reproducible.report_date({"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01"
    assert reproducible.report_date({"SOURCE_DATE_EPOCH": "1764028800"}) == "2025-11-25"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", reproducible.report_date({}))


def test_header_names_the_weights_by_a_digest_of_their_content():
    digest = weights_digest(DEGnext(16, seed=0))
    assert digest == weights_digest(DEGnext(16, seed=0)) != weights_digest(DEGnext(16, seed=1))
    assert f"<th>Transfer model digest</th><td>sha256 {digest} (" in _page()


def test_git_commit_is_unknown_outside_a_checkout(tmp_path):
    assert git_commit(tmp_path) == "unknown"
    assert git_commit(None) == "unknown"


def test_roc_curves_are_told_apart_and_the_legend_is_outside_the_axes():
    same = (np.array([0, 0, 1]), np.array([0, 1, 1]), 1.0)
    fig = figures.roc_figure({"A": same, "B": same, "C": same}, "ROC")
    full, zoom = fig.axes
    lines = [line for line in full.get_lines() if line.get_label() != "chance"]
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 3
    assert zoom.get_xlim()[1] == 0.2 and zoom.get_ylim()[0] == 0.8  # the crowded corner
    figures.figure_to_png_bytes(fig)
    legend = zoom.get_legend().get_window_extent()
    assert legend.x0 >= zoom.get_window_extent().x1  # right of the data, covering nothing


def test_png_dataset_saves_a_figure_and_loads_its_bytes(tmp_path):
    dataset = PNGDataset(filepath=str(tmp_path / "f.png"), save_args={"dpi": 50})
    dataset.save(figures.empty_figure("nothing"))
    data = dataset.load()
    assert data.startswith(PNG_SIGNATURE) and data == (tmp_path / "f.png").read_bytes()


def test_predictions_keep_float64_logits_and_auc_uses_them():
    """A saturated model: float32 P(UR) is 1.0 for several genes, the stored logits still rank."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(40, 16)).astype(np.float32)
    model = DEGnext(16, seed=0).swap_to_binary_head(seed=0)
    with torch.no_grad():  # stretch the head so the logits span -5 .. 40
        model.Lin5.bias.zero_()
        raw = inference.binary_logits(model, features, device="cpu")
        scale = 45 / (raw.max() - raw.min())
        model.Lin5.weight.mul_(scale)
        model.Lin5.bias.fill_(-5 - scale * raw.min())
    rows = pd.DataFrame({"gene_id": range(40), "symbol": "S", "set": "T3",
                         "label": rng.integers(0, 2, 40)})  # fmt: skip
    predicted = inference.predict_genes(model, features, rows, "cpu")
    assert predicted["logit"].dtype == np.float64
    p32 = 1 / (1 + np.exp(-predicted["logit"].to_numpy(np.float32)))
    assert (p32 == 1).sum() >= 5 and predicted.loc[p32 == 1, "logit"].nunique() >= 5
    options = {"decision": "probability", "aggregate": "whole", "batch_size": 64}
    exact = roc_auc_score(rows["label"], predicted["logit"])
    assert metrics.score_predictions(predicted, options)["roc_auc"] == pytest.approx(
        exact, abs=1e-15
    )
    curves = figures.roc_curves(predicted.assign(experiment="general", dataset="X"), "general")
    assert curves["X"][2] == pytest.approx(exact, abs=1e-15)


def test_run_parameters_leave_out_sources_and_profiles_no_cohort_uses():
    parameters = {
        "cohorts": COHORTS,
        "ingestion": {
            "sources": {"gdc": {"retries": 3}, "release": {"root": "x"}},
            "synthetic": {"n_genes": 10, "profiles": {"BRCA": {}, "CHOL": {}, "KICH": {}}},
        },
    }
    kept = report_page.run_parameters(parameters)["ingestion"]
    assert kept["sources"] == {} and set(kept["synthetic"]["profiles"]) == {"BRCA", "CHOL"}
    release = {"cohorts": {"BLCA": {"source": "release"}}, "ingestion": parameters["ingestion"]}
    kept = report_page.run_parameters(release)["ingestion"]
    assert "synthetic" not in kept and set(kept["sources"]) == {"release"}


def test_trained_run_compares_the_published_model_and_the_sign_rule_on_q(shared, tmp_path):
    """experiments.compare_published: the report of a trained transfer model shows, per untrained
    cohort, our model, the authors' published weights and logfc_sign, from one run."""
    root = make_project(tmp_path)
    weights = shared / "data/degnext_release/pretrained/DEGnextModel_transfer.pth"
    params = ",".join(
        [
            "experiments.general_learning=false",
            "experiments.transfer_model=trained",
            "experiments.compare_published=true",
            f"published_weights={weights}",
            f"paper_tables={shared / 'data/paper_tables'}",
        ]
    )
    kedro(root, "run", "--params", params)
    out = root / "data"
    published = pd.read_parquet(out / "07_model_output/C/published_transfer_predictions.parquet")
    ours = pd.read_parquet(out / "07_model_output/C/transfer_predictions.parquet")
    assert list(published["gene_id"]) == list(ours["gene_id"])
    assert not np.allclose(published["logit"], ours["logit"])
    table = pd.read_csv(out / "08_reporting/table_transfer_learning_Q_vs_paper.csv")
    assert list(table["model"]) == [
        "DEGnext, trained here", "DEGnext, trained here", "DEGnext, published weights",
        "DEGnext, published weights", "logfc_sign rule", "paper Table 3 (CHOL, real data)",
    ]  # fmt: skip
    stored = json.loads((out / "07_model_output/C/published_transfer_metrics.json").read_text())
    row = table[(table["model"] == "DEGnext, published weights")].iloc[0]
    assert row["accuracy"] == pytest.approx(stored["accuracy"])
    html = (out / "08_reporting/report.html").read_text()
    assert f"beside it the authors&#x27; published weights, file {weights}" in html


def test_compare_published_adds_published_predictions_only_beside_a_trained_model():
    trained = cnn_transfer.create_pipeline(["A"], ["C"], "trained", compare_published=True)
    outputs = trained.all_outputs()
    assert {
        "transfer.model",
        "transfer.published_model",
        "C.published_transfer_predictions",
    } <= outputs
    report_inputs = reporting.create_pipeline(["A", "C"], ["C"], compare_published=True).inputs()
    assert "C.published_transfer_predictions" in report_inputs
    plain = cnn_transfer.create_pipeline(["A"], ["C"], "trained").all_outputs()
    assert "transfer.published_model" not in plain
    published = cnn_transfer.create_pipeline(["A"], ["C"], "published", compare_published=True)
    assert "C.published_transfer_predictions" not in published.all_outputs()

"""Report: one self-contained page with the tables' values and embedded PNG figures."""

import base64
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from degnext import report

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
            figures=[("Raw PNG", report.figure_to_png_bytes(fig))],
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
    fig = report.roc_figure(curves, "ROC")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["BLCA (AUC 0.900)", "CHOL (AUC 0.500)"]
    assert report.figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)
    assert report.figure_to_png_bytes(report.roc_figure({}, "empty")).startswith(PNG_SIGNATURE)


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
    fig = report.robustness_figure(table)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["BLCA", "CHOL"]
    assert visible[0].get_xscale() == "symlog"
    assert len(visible[0].containers) == 2  # one error-bar series per model
    single = report.robustness_figure(table[table["cohort"] == "BLCA"].drop(columns="cohort"))
    assert len([ax for ax in single.axes if ax.get_visible()]) == 1
    assert report.figure_to_png_bytes(single).startswith(PNG_SIGNATURE)


def test_metrics_bar_figure_puts_percent_and_fractions_on_one_axis():
    table = pd.DataFrame(
        {"model": ["DEGnext", "svc", "svc"], "accuracy": [96.0, 80.0, 90.0], "mcc": [0.9, 0.6, 0.8]}
    )
    fig = report.metrics_bar_figure(table)
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [0.7, 0.85, 0.9, 0.96]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["accuracy", "mcc"]

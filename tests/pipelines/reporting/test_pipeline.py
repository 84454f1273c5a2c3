"""Reporting in memory: the paper-like tables, figures, enrichment and one HTML page from a run.

The paper's tables are absent in the tiny run (``reporting.paper_tables`` names a missing folder,
so the ``reporting.paper_table_<n>`` datasets load empty tables), and the page says so.
"""

from matplotlib.figure import Figure

from tests.pipelines.conftest import FIGURES


def test_tables_have_one_row_per_cohort_with_the_runs_numbers(
    reporting_run, cnn_general_run, cnn_transfer_run, groups
):
    general = reporting_run["reporting.general_table"]
    assert list(general["dataset"]) == groups["general"]
    for row in general.to_dict("records"):
        metrics = cnn_general_run[f"{row['dataset']}.general_metrics"]
        assert (row["n_genes"], row["accuracy"]) == (metrics["n"], metrics["accuracy"])
    folds = reporting_run["reporting.general_fold_mean_table"]
    assert list(folds["dataset"]) == groups["general"]
    assert (folds["min_accuracy"] <= folds["accuracy"]).all()
    assert (folds["accuracy"] <= folds["max_accuracy"]).all()
    transfer = reporting_run["reporting.transfer_table"]
    assert list(transfer["dataset"]) == groups["untrained"]
    assert transfer["accuracy"].iloc[0] == cnn_transfer_run["C.transfer_metrics"]["accuracy"]
    robustness = reporting_run["reporting.robustness_table"]
    assert set(robustness["dataset"]) == set(groups["general"])


def test_predicted_genes_gather_general_and_transfer_predictions(
    reporting_run, cnn_general_run, cnn_transfer_run, groups
):
    predicted = reporting_run["reporting.predicted_genes"]
    expected = sum(len(cnn_general_run[f"{n}.general_predictions"]) for n in groups["general"])
    expected += sum(len(cnn_transfer_run[f"{n}.transfer_predictions"]) for n in groups["untrained"])
    assert len(predicted) == expected
    assert set(predicted["experiment"]) == {"general", "transfer"}
    assert set(predicted["call"]) <= {"UR", "DR"}


def test_enrichment_tests_each_cohorts_calls_with_q_values(reporting_run, groups):
    enriched = reporting_run["reporting.enrichment"]
    assert set(enriched["dataset"]) <= set(groups["reported"]) and len(enriched)
    assert enriched["p_value"].between(0, 1).all() and enriched["q_value"].between(0, 1).all()
    assert (enriched["q_value"] >= enriched["p_value"]).all()


def test_the_page_holds_every_section_the_figures_and_says_the_paper_tables_are_absent(
    reporting_run, parameters, groups
):
    for name in FIGURES:
        assert isinstance(reporting_run[name], Figure)
    assert reporting_run["reporting.gdc_provenance"].empty
    page = reporting_run["reporting.html"]
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<img src="data:image/png;base64,') == len(FIGURES)
    for heading in (
        "General learning (T3)",
        "Transfer learning (Q of untrained cohorts)",
        "Robustness to Gaussian noise",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert f"tables were not found in {parameters['reporting']['paper_tables']}" in page
    for name in groups["reported"]:
        assert f"<td>{name}</td>" in page
    assert "<td>B</td>" not in page  # B only trains the transfer model: no row of its own

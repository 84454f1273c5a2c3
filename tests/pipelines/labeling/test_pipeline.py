"""The labeling pipeline in memory: counts -> normalized, filtered expression -> labeled DEA."""

import numpy as np
import pandas as pd

from degnext.labeling.preprocessing import strip_version
from degnext.pipelines import labeling
from tests.pipelines.in_memory import run_in_memory


def test_labels_follow_the_exact_test_and_the_fdr_cutoff(labeling_run, parameters):
    cutoff = parameters["labeling"]["fdr_cutoff"]
    for name in parameters["cohorts"]:
        table = labeling_run[f"{name}.dea_results"]
        assert {"gene_id", "symbol", "logFC", "FDR", "label", "bio_validated"} <= set(table)
        assert table["gene_id"].is_unique and table["symbol"].notna().all()
        assert set(table["label"]) == {0, 1, 2}
        significant = table["FDR"] < cutoff
        assert (table.loc[table["label"] == 1, "logFC"] > 0).all()
        assert (table.loc[table["label"] == 0, "logFC"] < 0).all()
        assert ((table["label"] != 2) == (significant & (table["logFC"] != 0))).all()
        assert not table.loc[table["label"] == 2, "bio_validated"].any()
        assert table["bio_validated"].sum() >= 4  # Q can be split into F1 and T3


def test_expression_is_the_filtered_genes_normal_samples_first(
    labeling_run, ingestion_run, parameters
):
    for name in parameters["cohorts"]:
        expression = labeling_run[f"{name}.expression"]
        table = labeling_run[f"{name}.dea_results"]
        assert expression.dtypes.eq(np.float32).all()
        assert list(expression.index) == list(table["gene_id"])
        raw = ingestion_run[f"{name}.raw_counts"]
        assert set(expression.index) < set(strip_version(raw.index))
        assert set(expression.columns) <= set(raw.columns)
        condition = ingestion_run[f"{name}.samples"].set_index("barcode")["condition"]
        order = condition[expression.columns].to_numpy()
        assert (order == np.sort(order)).all()  # "normal" < "tumor": normal columns come first
        report = labeling_run[f"{name}.outlier_report"]
        assert set(report.loc[report["kept"], "barcode"]) == set(expression.columns)
        assert len(labeling_run[f"{name}.dea_results_tsv"]) == len(table)


def test_labeling_is_deterministic(labeling_run, ingestion_run, parameters):
    again = run_in_memory(labeling.create_pipeline(["C"]), parameters, ingestion_run)
    for output in ("dea_results", "expression"):
        pd.testing.assert_frame_equal(again[f"C.{output}"], labeling_run[f"C.{output}"])

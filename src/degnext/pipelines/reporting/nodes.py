"""Reporting: the paper's tables and figures from the catalog, enrichment, and one HTML page."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from degnext import enrichment, report

matplotlib.use("Agg")

METRIC_COLUMNS = ["accuracy", "recall", "precision", "f_measure", "mcc", "roc_auc"]


def metrics_table(names: list[str], *cohort_metrics: dict) -> pd.DataFrame:
    """One row per cohort, like the paper's Tables 2 and 3, with the number of test genes."""
    rows = [
        {"dataset": name, "n_genes": m["n"], **{k: m[k] for k in METRIC_COLUMNS}}
        for name, m in zip(names, cohort_metrics, strict=True)
    ]
    return pd.DataFrame(rows, columns=["dataset", "n_genes", *METRIC_COLUMNS])


def fold_mean_table(names: list[str], *fold_tables: pd.DataFrame) -> pd.DataFrame:
    """Per cohort, the mean over CV folds of the fine-tuned fold models' T3 metrics (Table 2).

    The spread of the fold accuracies is kept beside the mean, since T3 sets are small.
    """
    columns = ["dataset", "n_folds", "n_genes", *METRIC_COLUMNS, "min_accuracy", "max_accuracy"]
    rows = []
    for name, table in zip(names, fold_tables, strict=True):
        is_mean = table["fold"] == "mean"
        folds, mean = table[~is_mean], table[is_mean].iloc[0]
        rows.append(
            {
                "dataset": name,
                "n_folds": len(folds),
                "n_genes": int(mean["n"]),
                **mean[METRIC_COLUMNS].to_dict(),
                "min_accuracy": folds["accuracy"].min(),
                "max_accuracy": folds["accuracy"].max(),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def baseline_table(names: list[str], *tables: pd.DataFrame | dict) -> pd.DataFrame:
    """DEGnext beside every baseline on each cohort's test genes, like Tables S1 (T3) and S2 (Q)."""
    baseline_tables, cnn_metrics = tables[: len(names)], tables[len(names) :]
    frames = []
    for name, baseline, cnn in zip(names, baseline_tables, cnn_metrics, strict=True):
        cnn_row = pd.DataFrame([{"model": "DEGnext", **{k: cnn[k] for k in METRIC_COLUMNS}}])
        frames.append(
            pd.concat([cnn_row, baseline[["model", *METRIC_COLUMNS]]]).assign(dataset=name)
        )
    columns = ["dataset", "model", *METRIC_COLUMNS]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def robustness_table(names: list[str], *tables: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of the accuracy at each noise level."""
    columns = ["dataset", "model", "noise_level", "mean_accuracy", "sd_accuracy", "n_seeds"]
    if not tables:
        return pd.DataFrame(columns=columns)
    long = pd.concat(
        [table.assign(dataset=name) for name, table in zip(names, tables, strict=True)]
    )
    summary = long.groupby(["dataset", "model", "noise_level"])["accuracy"].agg(
        ["mean", "std", "count"]
    )
    return summary.rename(
        columns={"mean": "mean_accuracy", "std": "sd_accuracy", "count": "n_seeds"}
    ).reset_index()[columns]


def predicted_genes(
    general_names: list[str], transfer_names: list[str], *tables: pd.DataFrame
) -> pd.DataFrame:
    """Every predicted UR/DR gene with its experiment, cohort, probability and known label."""
    general, transfer = tables[: len(general_names)], tables[len(general_names) :]
    frames = [
        t.assign(experiment="general", dataset=n)
        for n, t in zip(general_names, general, strict=True)
    ]
    frames += [
        t.assign(experiment="transfer", dataset=n)
        for n, t in zip(transfer_names, transfer, strict=True)
    ]
    columns = ["experiment", "dataset", "gene_id", "symbol", "set", "label", "p_up", "call"]
    return pd.concat(frames, ignore_index=True)[columns]


def _roc_curves(predicted: pd.DataFrame, experiment: str) -> dict:
    curves = {}
    for name, table in predicted[predicted["experiment"] == experiment].groupby(
        "dataset", sort=False
    ):
        if table["label"].nunique() == 2:
            fpr, tpr, _ = roc_curve(table["label"], table["p_up"])
            curves[name] = (fpr, tpr, roc_auc_score(table["label"], table["p_up"]))
    return curves


def general_roc_figure(predicted: pd.DataFrame):
    """ROC curves of general learning on T3 for every cohort, like the paper's Fig. 3."""
    return report.roc_figure(
        _roc_curves(predicted, "general"), "General learning: ROC on bio-test genes (T3)"
    )


def transfer_roc_figure(predicted: pd.DataFrame):
    """ROC curves of the transfer model on each untrained cohort's Q, like the paper's Fig. 4."""
    return report.roc_figure(
        _roc_curves(predicted, "transfer"), "Transfer learning: ROC on untrained cohorts (Q)"
    )


def plot_robustness(robustness: pd.DataFrame):
    """Mean accuracy (over cohorts and seeds) against noise level for each model, like Fig. 5B."""
    if robustness.empty:
        return report.empty_figure("Robustness was not run (general learning is off)")
    per_model = (
        robustness.groupby(["model", "noise_level"])["mean_accuracy"]
        .agg(["mean", "std"])
        .reset_index()
    )
    per_model = per_model.rename(columns={"mean": "mean_accuracy", "std": "sd_accuracy"})
    return report.robustness_figure(per_model)


def gene_set_library(reporting: dict, *splits: pd.DataFrame) -> dict[str, set[str]]:
    """The configured GMT/GO libraries, or small synthetic sets when none is configured."""
    options = reporting["enrichment"]
    library = enrichment.GeneSetLibrary()
    for path in options["gmt"]:
        library.update(enrichment.read_gmt(Path(path)))
    if options["go_obo"] and options["go_gaf"]:
        library.update(enrichment.read_go(Path(options["go_obo"]), Path(options["go_gaf"])))
    if not library:
        symbols = sorted(set().union(*(set(t["symbol"].dropna()) for t in splits)))
        library = enrichment.synthetic_gene_sets(symbols, **options["synthetic_sets"])
    return library


def enrich_predictions(
    names: list[str], predicted: pd.DataFrame, reporting: dict, *splits: pd.DataFrame
) -> pd.DataFrame:
    """Over-representation of each cohort's predicted UR and DR genes (background: its tested genes)."""
    options = reporting["enrichment"]
    library = gene_set_library(reporting, *splits)
    frames = []
    for name, tested in zip(names, splits, strict=True):
        for experiment, calls in predicted[predicted["dataset"] == name].groupby("experiment"):
            table = enrichment.enrich_up_down(
                up=set(calls.loc[calls["call"] == "UR", "symbol"].dropna()),
                down=set(calls.loc[calls["call"] == "DR", "symbol"].dropna()),
                background=set(tested["symbol"].dropna()),
                gene_sets=library,
                min_size=options["min_size"],
                max_size=options["max_size"],
            )
            frames.append(
                table.head(options["max_rows"]).assign(dataset=name, experiment=experiment)
            )
    if not frames:
        return pd.DataFrame(columns=["dataset", "experiment", "term"])
    combined = pd.concat(frames, ignore_index=True)
    return combined[
        [
            "dataset",
            "experiment",
            *[c for c in combined.columns if c not in ("dataset", "experiment")],
        ]
    ]


def html_report(
    general: pd.DataFrame,
    general_fold_mean: pd.DataFrame,
    transfer: pd.DataFrame,
    baseline: pd.DataFrame,
    transfer_baseline: pd.DataFrame,
    robustness: pd.DataFrame,
    enriched: pd.DataFrame,
    predicted: pd.DataFrame,
    gdc_provenance: pd.DataFrame,
    reporting: dict,
    parameters: dict,
) -> str:
    """One self-contained HTML page with every table and figure of the run.

    Sections of experiments the run left out (``experiments.general_learning: false``) say so
    instead of showing empty tables.
    """
    transfer_sections = [
        report.Section(
            "Transfer learning (Q of untrained cohorts)",
            paragraphs=[_transfer_model_note(parameters)],
            tables=[("Metrics on Q (accuracy, recall, precision in %)", transfer)],
            figures=[transfer_roc_figure(predicted)],
        ),
        report.Section(
            "Transfer baselines (Q)",
            paragraphs=[
                "Classical models trained on the train cohorts' T1 UR/DR rows and F1, each gene "
                "described by quantiles of its normal and tumor values; tested on Q like DEGnext."
            ],
            tables=[("DEGnext and baselines on Q", transfer_baseline)],
        ),
    ]
    if general.empty:
        general_sections = [
            report.Section(
                "General learning (T3)",
                paragraphs=["Not run: experiments.general_learning is false for this run."],
            )
        ]
    else:
        general_sections = [
            report.Section(
                "General learning (T3)",
                paragraphs=[
                    "Per cohort: k-fold CV on T1, binary fine-tune on F1, test on T3. The paper's "
                    "Table 2 is the mean over the fine-tuned fold models; the best fold's model "
                    "(highest validation accuracy) gives the predicted genes and the figures."
                ],
                tables=[
                    ("Mean over CV folds on T3, as Table 2 (%)", general_fold_mean),
                    ("Best fold's model on T3 (accuracy, recall, precision in %)", general),
                ],
                figures=[general_roc_figure(predicted)],
            ),
            report.Section(
                "Baselines (T3)",
                paragraphs=[
                    "Classical models trained on the CNN's rows (T1 UR/DR + F1); logfc_sign needs "
                    "no training."
                ],
                tables=[("DEGnext and baselines on T3", baseline)],
            ),
            _robustness_section(robustness),
        ]
    sections = [
        *general_sections,
        *transfer_sections,
        report.Section("Enrichment of predicted UR/DR genes", tables=[("Top terms", enriched)]),
        report.Section(
            "Predicted genes",
            paragraphs=[f"{len(predicted)} predictions; the full list is predicted_genes.csv."],
            tables=[
                (
                    "Counts of calls",
                    predicted.groupby(["experiment", "dataset", "call"])
                    .size()
                    .unstack(fill_value=0)
                    .reset_index(),
                )
            ],
        ),
        *report.gdc_provenance_sections(gdc_provenance),
        report.run_section(parameters),
    ]
    return report.build_html_report(reporting["title"], sections)


def gdc_provenance_table(names: list[str], *records: dict | pd.DataFrame) -> pd.DataFrame:
    """Per GDC cohort: the data release it was downloaded from and what its manifest holds.

    ``records`` are the cohorts' ``gdc_release`` dicts, then their ``gdc_manifest`` tables.
    """
    releases, manifests = records[: len(names)], records[len(names) :]
    rows = [
        {
            "dataset": name,
            "data_release": release.get("data_release"),
            "api_version": release.get("version"),
            "workflow_type": ", ".join(sorted(set(manifest["workflow_type"]))),
            "n_files": len(manifest),
            "n_normal": int((manifest["sample_type"] == "Solid Tissue Normal").sum()),
            "n_tumor": int((manifest["sample_type"] == "Primary Tumor").sum()),
            "total_mb": round(float(manifest["file_size"].sum()) / 1e6, 1),
        }
        for name, release, manifest in zip(names, releases, manifests, strict=True)
    ]
    columns = ["dataset", "data_release", "api_version", "workflow_type", "n_files", "n_normal", "n_tumor", "total_mb"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _transfer_model_note(parameters: dict) -> str:
    if (parameters.get("experiments") or {}).get("transfer_model") == "published":
        return "The authors' published transfer model, applied without retraining to Q."
    return "One model trained on the train cohorts, applied without retraining to Q."


def _robustness_section(robustness: pd.DataFrame) -> report.Section:
    level_table = robustness.pivot_table(
        index=["dataset", "model"], columns="noise_level", values="mean_accuracy"
    )
    level_table.columns = [f"{c}%" for c in level_table.columns]
    return report.Section(
        "Robustness to Gaussian noise",
        paragraphs=["Noise sd = level % of each gene's standard deviation; mean over seeds."],
        tables=[("Mean accuracy (%) by noise level", level_table.reset_index())],
        figures=[plot_robustness(robustness)],
    )

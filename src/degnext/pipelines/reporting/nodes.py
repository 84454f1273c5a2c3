"""Reporting: the paper's tables and figures from the catalog, beside the paper's own, and enrichment.

The paper's tables (``reporting.paper_table_<n>``) and the gene-set library
(``reporting.gene_set_library``) arrive as loaded inputs. The HTML page itself is built in
``page.py`` from what these nodes saved.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd

from degnext.evaluation import enrichment, metrics

matplotlib.use("Agg")

METRIC_COLUMNS = ["accuracy", "recall", "precision", "f_measure", "mcc", "roc_auc"]
COMPARISON_COLUMNS = ["dataset", "model", "metrics", "n_genes", "n_called_UR", *METRIC_COLUMNS]
WHOLE = "whole set, P(UR) >= 0.5"
RELEASE = "release code: logit >= 0.5, mean over batches"


def metrics_table(names: list[str], *cohort_metrics: dict) -> pd.DataFrame:
    """One row per cohort, like the paper's Tables 2 and 3, with the number of test genes."""
    rows = [
        {
            "dataset": name,
            "n_genes": m["n"],
            "n_called_UR": m.get("n_up"),
            **{k: m[k] for k in METRIC_COLUMNS},
        }
        for name, m in zip(names, cohort_metrics, strict=True)
    ]
    return pd.DataFrame(rows, columns=["dataset", "n_genes", "n_called_UR", *METRIC_COLUMNS])


def fold_mean_table(names: list[str], *fold_tables: pd.DataFrame) -> pd.DataFrame:
    """Per cohort, the mean over CV folds of the fine-tuned fold models' T3 metrics (Table 2).

    The spread of the fold accuracies is kept beside the mean, since T3 sets are small, and the
    number of fold models that call one class for every T3 gene.
    """
    columns = [
        "dataset", "n_folds", "n_genes", *METRIC_COLUMNS, "min_accuracy", "max_accuracy",
        "n_folds_one_class",
    ]  # fmt: skip
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
                "n_folds_one_class": _one_class_count(folds),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _one_class_count(folds: pd.DataFrame) -> float:
    if "n_up" not in folds:
        return float("nan")
    return float(((folds["n_up"] == 0) | (folds["n_up"] == folds["n"])).sum())


def paper_name(name: str, cohort: dict) -> str:
    """The paper's dataset for a cohort: its own name, or the TCGA cohort a synthetic one imitates."""
    return (
        (cohort.get("synthetic") or {}).get("like", name)
        if cohort.get("source") == "synthetic"
        else name
    )


def _paper_row(name: str, cohort: dict, paper: pd.DataFrame, number: int) -> list[dict]:
    like = paper_name(name, cohort)
    found = paper[paper["dataset"] == like]
    if found.empty:
        return []
    label = f"paper Table {number}" + ("" if like == name else f" ({like}, real data)")
    values = {k: found.iloc[0][k] for k in METRIC_COLUMNS if k in found}
    return [{"dataset": name, "model": label, "metrics": "as printed", **values}]


def _prediction_rows(name: str, model: str, predictions: pd.DataFrame, batch_size: int) -> list:
    """Whole-set and release-code metrics of one model's predictions, from float64 logits."""
    labels = predictions["label"].to_numpy()
    if "logit" in predictions:
        score, scorer = predictions["logit"].to_numpy(), metrics.binary_metrics_from_logits
    else:  # predictions saved before logits were stored
        score, scorer = predictions["p_up"].to_numpy(), metrics.binary_metrics
    rows = []
    for how, options in (
        (WHOLE, {}),
        (RELEASE, {"decision": "logit", "aggregate": "batch_mean", "batch_size": batch_size}),
    ):
        scores = scorer(labels, score, **options)
        rows.append(_comparison_row(name, model, how, scores))
    return rows


def _comparison_row(name: str, model: str, how: str, scores: dict) -> dict:
    return {
        "dataset": name,
        "model": model,
        "metrics": how,
        "n_genes": scores.get("n"),
        "n_called_UR": scores.get("n_up"),
        **{k: scores.get(k) for k in METRIC_COLUMNS},
    }


def general_comparison_table(
    names: list[str], cohorts: dict, paper: pd.DataFrame, *fold_tables: pd.DataFrame
) -> pd.DataFrame:
    """Per cohort: the fold mean on T3 computed both ways, and the paper's Table 2 row."""
    rows = []
    for name, table in zip(names, fold_tables, strict=True):
        mean = table[table["fold"] == "mean"].iloc[0]
        folds = table[table["fold"] != "mean"]
        for how, prefix in ((WHOLE, ""), (RELEASE, "release_")):
            scores = {k: mean.get(f"{prefix}{k}") for k in metrics.SCORE_KEYS}
            scores |= {"n": mean["n"], "roc_auc": mean["roc_auc"]}
            if f"{prefix}n_up" in folds:
                scores["n_up"] = folds[f"{prefix}n_up"].mean()
            rows.append(_comparison_row(name, "DEGnext, mean over folds", how, scores))
        rows += _paper_row(name, cohorts[name], paper, 2)
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def transfer_comparison_table(
    names: list[str],
    cohorts: dict,
    experiments: dict,
    cnn_transfer: dict,
    paper: pd.DataFrame,
    *tables: pd.DataFrame,
) -> pd.DataFrame:
    """Per untrained cohort, on Q: the transfer model computed both ways, the published model's
    predictions when this run also made them, the logfc_sign rule, and the paper's Table 3 row.

    ``tables``: each cohort's transfer predictions, then its transfer baseline metrics, then (with
    ``compare_published``) the published model's predictions.
    """
    n = len(names)
    predictions, baselines, published = tables[:n], tables[n : 2 * n], tables[2 * n :]
    ours = (
        "DEGnext, published weights"
        if experiments.get("transfer_model") == "published"
        else "DEGnext, trained here"
    )
    batch_size = cnn_transfer["metrics"]["batch_size"]
    rows = []
    for i, name in enumerate(names):
        rows += _prediction_rows(name, ours, predictions[i], batch_size)
        if published:
            rows += _prediction_rows(name, "DEGnext, published weights", published[i], batch_size)
        sign = baselines[i][baselines[i]["model"] == "logfc_sign"]
        if not sign.empty:
            rows.append(_comparison_row(name, "logfc_sign rule", WHOLE, sign.iloc[0].to_dict()))
        rows += _paper_row(name, cohorts[name], paper, 3)
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def baseline_table(names: list[str], *tables: pd.DataFrame | dict) -> pd.DataFrame:
    """DEGnext beside every baseline on each cohort's test genes, like Tables S1 (T3) and S2 (Q)."""
    baseline_tables, cnn_metrics = tables[: len(names)], tables[len(names) :]
    frames = []
    for name, baseline, cnn in zip(names, baseline_tables, cnn_metrics, strict=True):
        cnn_row = pd.DataFrame([{"model": "DEGnext", **cnn}])
        rows = pd.concat([cnn_row, baseline], ignore_index=True).reindex(
            columns=["model", "n", "n_up", *METRIC_COLUMNS]
        )
        frames.append(
            rows.rename(columns={"n": "n_genes", "n_up": "n_called_UR"}).assign(dataset=name)
        )
    columns = ["dataset", "model", "n_genes", "n_called_UR", *METRIC_COLUMNS]
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
    """Every predicted UR/DR gene with its experiment, cohort, logit, probability and known label."""
    general, transfer = tables[: len(general_names)], tables[len(general_names) :]
    frames = [
        t.assign(experiment="general", dataset=n)
        for n, t in zip(general_names, general, strict=True)
    ]
    frames += [
        t.assign(experiment="transfer", dataset=n)
        for n, t in zip(transfer_names, transfer, strict=True)
    ]
    columns = [
        "experiment",
        "dataset",
        "gene_id",
        "symbol",
        "set",
        "label",
        "logit",
        "p_up",
        "call",
    ]
    combined = pd.concat(frames, ignore_index=True)
    if "logit" not in combined:  # predictions saved before logits were stored
        combined["logit"] = np.nan
    return combined[columns]


def uses_synthetic_sets(reporting: dict) -> bool:
    """True when no GMT or GO (OBO + GAF) library is configured: the built-in random sets."""
    options = reporting["enrichment"]
    return not options["gmt"] and not (options["go_obo"] and options["go_gaf"])


def enrich_predictions(
    names: list[str],
    predicted: pd.DataFrame,
    reporting: dict,
    gene_set_library: Mapping[str, set[str]],
    *splits: pd.DataFrame,
) -> pd.DataFrame:
    """Over-representation of each cohort's predicted UR and DR genes (background: its tested
    genes) in the configured gene sets, or in small synthetic sets drawn from the tested genes
    when none is configured; every tested term is kept, the report shows the significant ones."""
    options = reporting["enrichment"]
    library = gene_set_library
    if not library:
        symbols = sorted(set().union(*(set(t["symbol"].dropna()) for t in splits)))
        library = enrichment.synthetic_gene_sets(symbols, **options["synthetic_sets"])
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
            frames.append(table.assign(dataset=name, experiment=experiment))
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

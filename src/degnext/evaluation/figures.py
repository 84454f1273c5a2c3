"""The report's figures: ROC curves (Figs. 3-4), accuracy under noise (Fig. 5B), metric bars.

Built on ``matplotlib.figure.Figure`` directly (no pyplot state) and rendered with Agg, so they
are safe in worker processes and identical from run to run.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score, roc_curve

LINE_STYLES = ("-", "--", "-.", ":")


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def curve_style(i: int) -> dict:
    """Colour, line style and marker of the i-th curve: no two of the first 8 share all three,
    so curves that coincide (AUCs that tie) still tell apart in the legend and where they part."""
    return {
        "color": f"C{i % 10}",
        "linestyle": LINE_STYLES[i % len(LINE_STYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }


def roc_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]], title: str) -> Figure:
    """ROC curves, one per name, AUC in the legend, chance diagonal (the paper's Figs. 3 and 4).

    A second panel magnifies the top-left corner (FPR <= 0.2, TPR >= 0.8), where good models'
    curves crowd; the legend sits outside both panels, so it never hides a curve.
    """
    fig = Figure(figsize=(11, 5), layout="constrained")
    full, zoom = fig.subplots(1, 2)
    for ax in (full, zoom):
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=1, label="chance")
        for i, (name, (fpr, tpr, auc)) in enumerate(curves.items()):
            ax.plot(
                fpr,
                tpr,
                linewidth=1.5,
                markersize=5,
                markevery=0.1,
                fillstyle="none",
                label=f"{name} (AUC {auc:.3f})",
                **curve_style(i),
            )
        ax.set(xlabel="False positive rate", ylabel="True positive rate")
        ax.set_aspect("equal")
    if not curves:
        full.text(0.5, 0.5, "no curve: no set with both classes", ha="center", va="center")
    full.set(xlim=(-0.01, 1), ylim=(0, 1.02))
    full.set_title(title)
    zoom.set(xlim=(-0.005, 0.2), ylim=(0.8, 1.005), xticks=[0, 0.05, 0.1, 0.15, 0.2])
    zoom.set_title("Top-left corner, magnified")
    zoom.grid(alpha=0.3)
    zoom.legend(loc="upper left", bbox_to_anchor=(1.04, 1), fontsize="small", borderaxespad=0)
    return fig


def empty_figure(message: str) -> Figure:
    """A small figure that says why there is nothing to plot, so the catalog entry still exists."""
    fig = Figure(figsize=(6, 2))
    ax = fig.subplots()
    ax.text(0.5, 0.5, message, ha="center", va="center")
    ax.set_axis_off()
    return fig


def _robustness_axes(ax, table: pd.DataFrame) -> None:
    for i, (model, rows) in enumerate(table.sort_values("noise_level").groupby("model", sort=True)):
        sd = rows["sd_accuracy"] if "sd_accuracy" in rows else None
        ax.errorbar(
            rows["noise_level"],
            rows["mean_accuracy"],
            yerr=sd,
            markersize=4,
            capsize=3,
            linewidth=1.3,
            label=str(model),
            **curve_style(i),
        )
    levels = sorted(table["noise_level"].unique())
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xticks(levels, [f"{level:g}" for level in levels], rotation=45)
    ax.set(xlabel="Gaussian noise (% of each gene's sd)", ylabel="Accuracy (%)")
    ax.grid(alpha=0.3)


def robustness_figure(table: pd.DataFrame, title: str = "Accuracy under Gaussian noise") -> Figure:
    """Mean accuracy against noise level per model, error bars = sd (the paper's Fig. 5).

    Columns: model, noise_level, mean_accuracy, optional sd_accuracy and cohort (one panel per
    cohort). The x axis is logarithmic above 1 % and linear below, so the no-noise level 0 shows.
    One legend, right of the panels, so it covers no line.
    """
    cohorts = list(table["cohort"].unique()) if "cohort" in table else [None]
    columns = min(3, len(cohorts))
    rows = math.ceil(len(cohorts) / columns)
    fig = Figure(figsize=(5 * columns + 2, 4.3 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax, cohort in zip(axes, cohorts, strict=False):
        _robustness_axes(ax, table if cohort is None else table[table["cohort"] == cohort])
        if cohort is not None:
            ax.set_title(str(cohort))
    for ax in axes[len(cohorts) :]:
        ax.set_visible(False)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize="small")
    fig.suptitle(title)
    return fig


def metrics_bar_figure(
    table: pd.DataFrame, label: str = "model", title: str = "Metrics by model"
) -> Figure:
    """Grouped bars: one group per metric, one bar per ``label`` value (mean, sd bars if repeated).

    Numeric columns are the metrics; a column with values above 1 is taken to be in percent and
    divided by 100, so accuracy (%) and MCC share one 0-1 axis.
    """
    metrics = [c for c in table.columns if c != label and pd.api.types.is_numeric_dtype(table[c])]
    scaled = table[[label, *metrics]].copy()
    for column in metrics:
        if scaled[column].max() > 1:
            scaled[column] = scaled[column] / 100
    grouped = scaled.groupby(label, sort=False)
    means, sds = grouped.mean(), grouped.std()
    repeated = bool((grouped.size() > 1).any())
    fig = Figure(figsize=(max(6, 1.2 * len(metrics) * max(1, len(means)) / 2), 4.5))
    ax = fig.subplots()
    width = 0.8 / max(1, len(means))
    x = np.arange(len(metrics))
    for i, name in enumerate(means.index):
        ax.bar(
            x + (i - (len(means) - 1) / 2) * width,
            means.loc[name],
            width,
            yerr=sds.loc[name].fillna(0) if repeated else None,
            capsize=2,
            label=str(name),
        )
    ax.set_xticks(x, metrics)
    ax.set(
        ylim=(min(0.0, float(np.nanmin(means.to_numpy(), initial=0))), 1.15), ylabel="score (0-1)"
    )
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.legend(fontsize="small", loc="upper left", ncols=min(6, max(1, len(means))))
    ax.set_title(title)
    return fig


def figure_to_png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes of a matplotlib figure (tight bounding box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def roc_curves(predicted: pd.DataFrame, experiment: str) -> dict:
    """ROC curve and AUC per cohort, ranked by the float64 logit (no ties from a saturated P(UR))."""
    curves = {}
    for name, table in predicted[predicted["experiment"] == experiment].groupby(
        "dataset", sort=False
    ):
        if table["label"].nunique() == 2:
            score = table["logit"] if table["logit"].notna().all() else table["p_up"]
            fpr, tpr, _ = roc_curve(table["label"], score.astype(np.float64))
            curves[name] = (fpr, tpr, roc_auc_score(table["label"], score.astype(np.float64)))
    return curves


def general_roc_figure(predicted: pd.DataFrame):
    """ROC curves of general learning on T3 for every cohort, like the paper's Fig. 3."""
    return roc_figure(
        roc_curves(predicted, "general"), "General learning: ROC on T3 (best fold's model)"
    )


def transfer_roc_figure(predicted: pd.DataFrame):
    """ROC curves of the transfer model on each untrained cohort's Q, like the paper's Fig. 4."""
    return roc_figure(
        roc_curves(predicted, "transfer"), "Transfer learning: ROC on Q of untrained cohorts"
    )


def plot_robustness(robustness: pd.DataFrame):
    """Mean accuracy (over cohorts and seeds) against noise level for each model, like Fig. 5B."""
    if robustness.empty:
        return empty_figure("Robustness was not run (general learning is off)")
    per_model = (
        robustness.groupby(["model", "noise_level"])["mean_accuracy"]
        .agg(["mean", "std"])
        .reset_index()
    )
    per_model = per_model.rename(columns={"mean": "mean_accuracy", "std": "sd_accuracy"})
    return robustness_figure(per_model)

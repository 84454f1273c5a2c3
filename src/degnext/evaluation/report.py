"""One self-contained HTML report (inline CSS, figures as data URIs) and the report's plots.

The page has no external assets so it can be mailed, archived or opened offline as one file.
Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot state), rendered with Agg.
"""

from __future__ import annotations

import base64
import html
import io
import math
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

FigureLike = Figure | bytes
VERSION_PACKAGES = (
    "degnext",
    "kedro",
    "torch",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "xgboost",
    "matplotlib",
)
MAX_TABLE_ROWS = 500

CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;
max-width:1100px;margin:2rem auto;padding:0 1.5rem;line-height:1.5}
h1{border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
nav{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1.5rem}
nav ol{margin:.3rem 0}
a{color:#0969da;text-decoration:none}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.88rem}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .6rem}
th{background:#f6f8fa;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fbfcfd}
.scroll{overflow-x:auto}
figure{margin:1rem 0}
figure img{max-width:100%;height:auto;border:1px solid #eaeef2}
figcaption,.note{color:#57606a;font-size:.85rem}
table.about th{width:11rem}
dl.glossary dt{font-weight:600}
dl.glossary dd{margin:0 0 .4rem 1.5rem}
"""


@dataclass
class Section:
    """One report section: a heading, paragraphs, (caption, DataFrame) tables and figures.

    A figure is a matplotlib Figure, PNG bytes, or a (caption, figure) pair; the caption goes
    under it. ``definitions`` are (term, meaning) pairs; ``links`` (text, relative href) pairs
    point at the run's files beside the page.
    """

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[FigureLike | tuple[str, FigureLike]] = field(default_factory=list)
    definitions: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def figure_to_png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes of a matplotlib figure (tight bounding box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _format_float(number: float) -> str:
    if math.isnan(number):
        return ""
    if number == 0 or math.isinf(number):
        return str(number)
    if abs(number) < 1e-3 or abs(number) >= 1e6:
        return f"{number:.2e}"
    return f"{number:.4g}" if abs(number) < 1 else f"{number:.2f}"


def format_number(value: object) -> str:
    """Readable numbers: integers as is, tiny/huge floats in scientific notation (p-values),
    fractions with 4 significant digits, others with 2 decimals (accuracy in %)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _format_float(float(value))
    return str(value)


P_VALUE_COLUMNS = ("p_value", "q_value", "fdr", "pvalue")


def column_formatter(name: str, values: pd.Series) -> Callable[[object], str]:
    """One number format for a whole column, chosen from its name and values.

    p/q values in scientific notation; integer columns (and ``n_*`` counts) as integers; columns
    whose values all lie in [-1, 1] (F-measure, MCC, AUC) with 3 decimals; others (percentages)
    with 2 decimals. Missing values are blank; text is shown as is.
    """
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return format_number
    finite = pd.to_numeric(values, errors="coerce").dropna()
    finite = finite[np.isfinite(finite)]
    if str(name).lower().startswith(P_VALUE_COLUMNS):
        pattern = "{:.2e}"
    elif pd.api.types.is_integer_dtype(values) or (
        str(name).startswith("n_") and bool((finite == finite.round()).all())
    ):
        pattern = "{:.0f}"
    elif finite.empty or float(finite.abs().max()) <= 1:
        pattern = "{:.3f}"
    else:
        pattern = "{:.2f}"

    def formatted(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return ""
        return pattern.format(float(value))

    return formatted


def table_html(caption: str, table: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> str:
    """An HTML table (escaped, numbers right-aligned, one format per column), at most ``max_rows``."""
    shown = table.head(max_rows)
    header = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    formats = [column_formatter(str(c), shown[c]) for c in shown.columns]
    numeric = [
        pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in shown.dtypes
    ]
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = "".join(
            f'<td class="num">{html.escape(fmt(v))}</td>'
            if is_number
            else f"<td>{html.escape(fmt(v))}</td>"
            for v, fmt, is_number in zip(values, formats, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    note = (
        f'<p class="note">First {max_rows} of {len(table)} rows.</p>'
        if len(table) > max_rows
        else ""
    )
    return (
        f'<div class="scroll"><table><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


def figure_html(item: FigureLike | tuple[str, FigureLike], alt: str) -> str:
    """A <figure> with the PNG embedded as a base64 data URI."""
    caption, figure = item if isinstance(item, tuple) else ("", item)
    png = figure if isinstance(figure, bytes) else figure_to_png_bytes(figure)
    data = base64.b64encode(png).decode("ascii")
    text = html.escape(caption or alt)
    figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{text}">{figcaption}</figure>'


def _section_html(number: int, section: Section) -> str:
    parts = [f'<section id="section-{number}"><h2>{html.escape(section.heading)}</h2>']
    parts += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
    if section.definitions:
        items = "".join(
            f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>"
            for term, meaning in section.definitions
        )
        parts.append(f'<dl class="glossary">{items}</dl>')
    if section.links:
        links = ", ".join(
            f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in section.links
        )
        parts.append(f'<p class="files">Files: {links}</p>')
    parts += [table_html(caption, table) for caption, table in section.tables]
    parts += [
        figure_html(f, f"{section.heading}, figure {j}") for j, f in enumerate(section.figures, 1)
    ]
    parts.append("</section>")
    return "".join(parts)


def build_html_report(
    title: str, sections: Sequence[Section], about: Mapping[str, str] | None = None
) -> str:
    """One HTML page: title, ``about`` (what the numbers come from), contents, then every section.

    No external assets; links are relative, to files beside the page.
    """
    about_html = (
        '<table class="about"><tbody>'
        + "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in about.items()
        )
        + "</tbody></table>"
        if about
        else ""
    )
    toc = "".join(
        f'<li><a href="#section-{i}">{html.escape(s.heading)}</a></li>'
        for i, s in enumerate(sections, start=1)
    )
    body = "".join(_section_html(i, s) for i, s in enumerate(sections, start=1))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{about_html}"
        f"<nav><strong>Contents</strong><ol>{toc}</ol></nav>{body}</body></html>\n"
    )


def flatten_parameters(parameters: Mapping, prefix: str = "") -> list[tuple[str, str]]:
    """Nested parameters as (dotted.key, value) rows sorted by key, lists shown inline."""
    rows: list[tuple[str, str]] = []
    for key, value in sorted(parameters.items(), key=lambda item: str(item[0])):
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows += flatten_parameters(value, f"{name}.")
        else:
            rows.append((name, repr(value) if isinstance(value, str) else str(value)))
    return rows


def package_versions(packages: Sequence[str] = VERSION_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape the results (plus Python)."""
    versions = {"python": platform.python_version()}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def run_section(parameters: Mapping, versions: Mapping[str, str] | None = None) -> Section:
    """The 'Run' section: every parameter of the run and the package versions, for reproduction."""
    versions = package_versions() if versions is None else versions
    return Section(
        "Run",
        paragraphs=[
            "Parameters of this run (dotted keys, sorted) and the versions that produced it."
        ],
        tables=[
            (
                "Parameters",
                pd.DataFrame(
                    sorted(flatten_parameters(parameters)), columns=["parameter", "value"]
                ),
            ),
            (
                "Package versions",
                pd.DataFrame(list(versions.items()), columns=["package", "version"]),
            ),
        ],
    )


def gdc_provenance_sections(table: pd.DataFrame) -> list[Section]:
    """The 'Data provenance' section for cohorts downloaded from the GDC (none without them)."""
    if table.empty:
        return []
    return [
        Section(
            "Data provenance (GDC)",
            paragraphs=[
                "The GDC data release each cohort was downloaded from (the API's status "
                "endpoint at download time); every file, with its md5, is listed in "
                "01_raw/<cohort>/gdc_manifest.tsv."
            ],
            tables=[("GDC data release and files per cohort", table)],
        )
    ]


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

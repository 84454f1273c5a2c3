"""One self-contained HTML report: inline CSS, tables, figures as data URIs, the run's settings.

The page has no external assets so it can be mailed, archived or opened offline as one file.
The figures themselves come from ``degnext.evaluation.figures``.
"""

from __future__ import annotations

import base64
import html
import math
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from degnext.evaluation.figures import figure_to_png_bytes

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

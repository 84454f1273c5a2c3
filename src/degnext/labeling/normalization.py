"""TCGAanalyze_Normalization and TCGAanalyze_Filtering(method="quantile") of TCGAbiolinks 2.25.3.

TCGAbiolinks wraps EDASeq: within-lane upper-quartile normalization over ten bins of a gene
covariate (length or GC), then between-lane upper-quartile scaling. Two facts of that code decide
the output and are reproduced on purpose:
- method "geneLength" returns EDASeq's `counts()` slot, i.e. the rounded *input* counts. The
  normalization only decides which genes survive (genes whose within-lane value is NaN in any
  sample are dropped, besides all-zero genes and genes missing from the gene table).
- method "gcContent" rebuilds values from EDASeq's offsets, floors them, applies TCGAbiolinks'
  own quantile normalization across samples and floors again.
R semantics kept: quantile type 7, round half to even, R's long-double `mean`, stable ordering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from degnext.data.count_checks import check_not_all_zero
from degnext.errors import DEGnextInputError

_N_BINS = 10
_COLUMN_CHUNK = 64
_ROW_CHUNK = 4096
_UPPER = 0.75
_ENSG_VERSION = re.compile(r"\.[0-9]*")
METHODS = ("geneLength", "gcContent")


def r_mean(values: np.ndarray) -> float:
    """R's mean(): long-double sum, divide, then one refinement pass, rounded to double."""
    x = np.asarray(values, dtype=np.longdouble)
    s = x.sum() / len(x)
    if np.isfinite(s):
        s += (x - s).sum() / len(x)
    return float(s)


def r_quantile_sorted(sorted_values: np.ndarray, prob: float, transform=None) -> np.ndarray:
    """R's quantile(type = 7) along axis 0 of already sorted data (inf-aware, like R).

    `transform` (a monotone function such as np.log) is applied to the order statistics before
    interpolating, which equals R's quantile(transform(x)) without transforming all the data.
    """
    n = sorted_values.shape[0]
    index = 1 + (n - 1) * prob
    lo, hi = int(np.floor(index)), int(np.ceil(index))
    fn = transform or (lambda v: v)
    with np.errstate(divide="ignore"):
        qs = np.array(fn(sorted_values[lo - 1]), dtype=np.float64)
        upper = fn(sorted_values[hi - 1])
    if index > lo:
        h = index - lo
        with np.errstate(invalid="ignore"):
            qs = np.where(upper != qs, (1 - h) * qs + h * upper, qs)
    return qs


def _upper_log_quartile(matrix: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Per column R quantile(log(x), 0.75) of `matrix` (or of its `rows`), rounded half to even.

    Columns are partitioned a chunk at a time, so no copy of the whole matrix is made.
    """
    rows = np.arange(matrix.shape[0]) if rows is None else rows
    index = 1 + (len(rows) - 1) * _UPPER
    kth = sorted({int(np.floor(index)) - 1, int(np.ceil(index)) - 1})
    quartiles = []
    for start in range(0, matrix.shape[1], _COLUMN_CHUNK):
        chunk = np.round(matrix[rows, start : start + _COLUMN_CHUNK].astype(np.float64))
        quartiles.append(
            r_quantile_sorted(np.partition(chunk, kth, axis=0), _UPPER, transform=np.log)
        )
    return np.concatenate(quartiles)


def _r_row_means(matrix: np.ndarray) -> np.ndarray:
    """R's rowMeans: long-double accumulation, one rounding to double at the end."""
    if np.issubdtype(matrix.dtype, np.integer):
        sums = matrix.sum(axis=1, dtype=np.int64).astype(np.longdouble)
    else:
        sums = matrix.sum(axis=1, dtype=np.longdouble)
    return (sums / matrix.shape[1]).astype(np.float64)


def tcgabiolinks_row_names(ids: pd.Index) -> pd.Index:
    """Row names as TCGAanalyze_Normalization rewrites them.

    `SYMBOL|ENTREZ` -> SYMBOL ('?' symbols -> ENTREZ; duplicated symbols -> SYMBOL.ENTREZ);
    otherwise Ensembl ids lose every `.digits` run (their version).
    """
    names = pd.Index(ids.astype(str))
    if names.str.contains("|", regex=False).any():
        parts = [(n.split("|") + [""])[:2] for n in names]
        symbol = pd.Series([e if s == "?" else s for s, e in parts])
        entrez = pd.Series([e for _, e in parts])
        dup = symbol.duplicated(keep=False)
        symbol = symbol.where(~dup, symbol + "." + entrez)
        return pd.Index(symbol.to_numpy(), name=ids.name)
    if names.str.contains("ENSG", regex=False).any():
        return pd.Index([_ENSG_VERSION.sub("", n) for n in names], name=ids.name)
    return names


def _covariate_bins(covariate: np.ndarray) -> np.ndarray:
    """EDASeq's bins: cut() at the deciles of the covariate, lowest values into the first bin."""
    ordered = np.sort(covariate)
    probs = [i * (1.0 / _N_BINS) for i in range(_N_BINS)] + [1.0]
    breaks = np.array([r_quantile_sorted(ordered, p) for p in probs])
    if len(np.unique(breaks)) < len(breaks):
        raise DEGnextInputError(
            "gene_info: gene covariate deciles are not unique ('breaks' are "
            "not unique in EDASeq); too few distinct values"
        )
    bins = np.searchsorted(breaks, covariate, side="left") - 1
    return np.clip(bins, 0, _N_BINS - 1)


def _within_lane_upper(
    counts: np.ndarray, rows: np.ndarray, covariate: np.ndarray
) -> Iterator[tuple]:
    """EDASeq within-lane 'upper' normalization of `counts[rows]`, one covariate bin at a time.

    Per sample and bin: exp(log(x) - q75(log x in bin) + q75(log x in sample)), x the count
    rounded half to even; zeros give -inf logs, so a bin whose upper quartile is a zero yields
    NaN/inf exactly as in R. Yields (positions in `rows`, unrounded normalized block).
    """
    bins = _covariate_bins(covariate)
    with np.errstate(divide="ignore"):
        q_all = _upper_log_quartile(counts, rows)
        for b in range(_N_BINS):
            in_bin = np.flatnonzero(bins == b)
            if not len(in_bin):
                continue
            block = np.round(counts[rows[in_bin]].astype(np.float64))
            q_bin = _upper_log_quartile(block)
            with np.errstate(invalid="ignore"):
                yield in_bin, np.exp(np.log(block) - q_bin + q_all)


def _not_all_zero(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mask over `rows`: the row of `values` has a value other than 0 (NaN counts as one)."""
    return np.concatenate(
        [
            (values[rows[start : start + _ROW_CHUNK]] != 0).any(axis=1)
            for start in range(0, len(rows), _ROW_CHUNK)
        ]
        or [np.zeros(0, bool)]
    )


def _check_gene_info(gene_info: pd.DataFrame) -> pd.DataFrame:
    missing = {"gene_length", "gc_content"} - set(gene_info.columns)
    if missing:
        raise DEGnextInputError(f"gene_info: missing column(s) {sorted(missing)}")
    info = gene_info[["gene_length", "gc_content"]].astype(float)
    return info[info["gene_length"].notna()]


def _normalize_gene_length(tab: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """The rounded input rows that survive; rows are tracked as positions, copied once at the end."""
    if tab.columns.duplicated().any():
        tab = tab.loc[:, ~tab.columns.duplicated()]
    values = tab.to_numpy()
    rows = np.flatnonzero(~tab.index.duplicated() & tab.index.isin(info.index))
    rows = rows[_not_all_zero(values, rows)]
    info = info.loc[info.index.isin(tab.index[rows])]
    info = info.loc[~info.index.duplicated()]
    # TCGAbiolinks selects these positions in both tables although their row orders differ.
    to_keep = np.flatnonzero(info["gene_length"].to_numpy() != 0)
    info, rows = info.iloc[to_keep], rows[to_keep]
    rows = rows[tab.index[rows].isin(info.index)]
    info = info.loc[tab.index[rows]]
    has_nan = np.zeros(len(rows), dtype=bool)
    for in_bin, block in _within_lane_upper(values, rows, info["gene_length"].to_numpy()):
        has_nan[in_bin] = np.isnan(block).any(axis=1)
    out = tab.iloc[rows[~has_nan]]
    if not np.issubdtype(values.dtype, np.integer):
        out = out.round()
        if not np.isfinite(out.to_numpy()).all():
            return out
    return out.astype(np.int64, copy=False)


def _quantile_normalize_samples(matrix: np.ndarray) -> np.ndarray:
    """TCGAbiolinks' .quantileNormalization(t(x)): every sample gets the mean sorted profile."""
    order = np.argsort(matrix, axis=0, kind="stable")
    ranked = np.take_along_axis(matrix, order, axis=0)
    profile = ranked.sum(axis=1) / matrix.shape[1]
    out = np.empty_like(matrix)
    np.put_along_axis(out, order, np.broadcast_to(profile[:, None], matrix.shape), axis=0)
    return out


def _normalize_gc_content(tab: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    common = info.index[info.index.isin(tab.index)].unique()
    info = info.loc[~info.index.duplicated()].loc[common]
    tab = tab.loc[~tab.index.duplicated()].loc[common]
    raw = np.floor(tab.to_numpy(dtype=np.float64))
    within = np.empty_like(raw)
    every_row = np.arange(len(raw))
    for in_bin, block in _within_lane_upper(raw, every_row, info["gc_content"].to_numpy()):
        within[in_bin] = block
    keep = ~np.isnan(np.round(within)).any(axis=1)
    raw, within, tab = raw[keep], within[keep], tab.loc[keep]
    norm_within = np.round(within)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = r_quantile_sorted(np.sort(norm_within, axis=0), _UPPER)
        scale = scale / r_mean(scale)
        offset_within = np.log(within + 0.1) - np.log(raw + 0.1)
        offset_between = np.log(norm_within / scale + 0.1) - np.log(norm_within + 0.1)
        values = np.floor(np.exp(np.log(raw + 0.1) + (offset_within + offset_between)) - 0.1)
    values = np.floor(_quantile_normalize_samples(values))
    out = pd.DataFrame(values, index=tab.index, columns=tab.columns)
    return out.loc[~out.isna().all(axis=1)]


def normalize(
    counts: pd.DataFrame, gene_info: pd.DataFrame, method: str = "geneLength"
) -> pd.DataFrame:
    """TCGAanalyze_Normalization(counts, gene_info, method) of TCGAbiolinks 2.25.3.

    gene_info: indexed by gene id (after the row-name rewrite, see tcgabiolinks_row_names) with
    columns gene_length, gc_content. Returns genes x samples; see the module docstring for what
    each method returns.
    """
    if method not in METHODS:
        raise DEGnextInputError(f"parameter method must be one of {METHODS}, got {method!r}")
    check_not_all_zero(counts, "counts to normalize")
    info = _check_gene_info(gene_info)
    tab = counts.copy(deep=False)  # a new index over the same values, not a second matrix
    tab.index = tcgabiolinks_row_names(counts.index)
    if not tab.index.isin(info.index).any():
        raise DEGnextInputError(
            "counts: no gene survives normalization; none of the gene ids "
            f"(e.g. {list(tab.index[:3])}) is in the gene_info index"
        )
    if method == "geneLength":
        out = _normalize_gene_length(tab, info)
    else:
        out = _normalize_gc_content(tab, info)
    if out.empty:
        raise DEGnextInputError(
            "counts: no gene survives normalization; do the gene ids match the gene_info index?"
        )
    return out


def quantile_filter(matrix: pd.DataFrame, qnt_cut: float = 0.25) -> pd.DataFrame:
    """TCGAanalyze_Filtering(method = "quantile"): keep genes whose mean is above the qnt_cut
    quantile (type 7) of all gene means (strictly above, as TCGAbiolinks)."""
    if not 0 <= qnt_cut <= 1:
        raise DEGnextInputError(f"parameter qnt_cut must be in [0, 1], got {qnt_cut}")
    means = _r_row_means(matrix.to_numpy())
    threshold = r_quantile_sorted(np.sort(means[~np.isnan(means)]), qnt_cut)
    return matrix.loc[means > threshold]

"""Differential expression as TCGAanalyze_DEA(method = "exactTest") runs it with classic edgeR.

TCGAbiolinks calls DGEList(counts, group) (no calcNormFactors, so all norm factors are 1),
estimateCommonDisp (classic conditional maximum likelihood on quantile-adjusted pseudo-counts),
exactTest (NB exact test, "doubletail" rejection region, beta approximation for large counts)
and topTags (Benjamini-Hochberg). This module reimplements those algorithms, vectorized over
genes with numpy/scipy. logFC is tumor vs normal.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from scipy import special

from degnext.errors import DEGnextInputError
from degnext.labeling.nbinom import (
    ave_log_cpm,
    fit_one_group,
    log_dnbinom,
    map_row_blocks,
    q2q_rows,
    r_row_sums,
)
from degnext.labeling.normalization import r_mean

NORMAL, TUMOR = "normal", "tumor"
# edgeR topTags' columns, and DESeq2 results()' own columns (kept beside them by `deseq2`).
EDGER_COLUMNS = ("logFC", "logCPM", "PValue", "FDR")
DESEQ2_COLUMNS = ("baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj")
_BIG_COUNT = 900
_PRIOR_FC = 0.125
_ROWSUM_FILTER = 5
_RAGGED_CHUNK = 5_000_000
_LN2 = np.log(2.0)


def _equalized_pseudo_counts(
    y: np.ndarray, groups: list[np.ndarray], lib: np.ndarray, dispersion: float
) -> list[np.ndarray]:
    """edgeR equalizeLibSizes: pseudo-counts at the geometric-mean library size, one array per group."""
    common_lib = np.exp(r_mean(np.log(lib)))
    pseudo = []
    for cols in groups:
        lam = np.exp(fit_one_group(y[:, cols], np.log(lib[cols]), dispersion))
        group = q2q_rows(y, cols, lam, lib[cols], common_lib, dispersion)
        pseudo.append(np.maximum(group, 0, out=group))
    return pseudo


def _cond_log_lik(pseudo: list[np.ndarray], delta: float) -> float:
    """Conditional NB log-likelihood (terms in r only) summed over groups and genes."""
    r = 1 / delta - 1

    def per_gene(rows: slice) -> np.ndarray:
        total = np.zeros(pseudo[0][rows].shape[0])
        for group in pseudo:
            yg = group[rows]
            n = yg.shape[1]
            m = yg.sum(axis=1, dtype=np.longdouble).astype(np.float64) / n
            total = (
                r_row_sums(special.gammaln(yg + r))
                + special.gammaln(n * r)
                - special.gammaln(n * (m + r))
                - n * special.gammaln(r)
            ) + total
        return total

    n_rows, n_cols = len(pseudo[0]), sum(group.shape[1] for group in pseudo)
    return float(map_row_blocks(per_gene, n_rows, n_cols).sum(dtype=np.longdouble))


def brent_maximize(f, lower: float, upper: float, tol: float) -> float:
    """Brent's (1973) golden-section / parabolic search for a maximum on [lower, upper].

    Same decision rules as R's optimize(), so it visits the same points as R does.
    """
    golden = (3 - np.sqrt(5)) / 2
    eps = np.sqrt(np.finfo(float).eps)
    a, b = lower, upper
    x = w = v = a + golden * (b - a)
    fx = fw = fv = -f(x)
    d = e = 0.0
    while True:
        xm = (a + b) / 2
        tol1 = eps * abs(x) + tol / 3
        tol2 = 2 * tol1
        if abs(x - xm) <= tol2 - (b - a) / 2:
            return x
        p = q = r = 0.0
        if abs(e) > tol1:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2 * (q - r)
            if q > 0:
                p = -p
            else:
                q = -q
            r, e = e, d
        if abs(p) >= abs(q * 0.5 * r) or p <= q * (a - x) or p >= q * (b - x):
            e = (b - x) if x < xm else (a - x)
            d = golden * e
        else:
            d = p / q
            u = x + d
            if u - a < tol2 or b - u < tol2:
                d = tol1 if x < xm else -tol1
        if abs(d) >= tol1:
            u = x + d
        else:
            u = x + (tol1 if d > 0 else -tol1)
        fu = -f(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v in (x, w):
                v, fv = u, fu


def common_dispersion(
    y: np.ndarray, groups: list[np.ndarray], lib: np.ndarray, tol: float = 1e-6
) -> float:
    """edgeR classic estimateCommonDisp: qCML over genes with total count > 5, two rounds."""
    sel = r_row_sums(y) > _ROWSUM_FILTER
    if not sel.any():
        raise DEGnextInputError("counts: no gene has a total count above 5")
    disp = 0.01
    for _ in range(2):
        # Rows are equalized one by one, so selecting them first gives the same pseudo-counts.
        pseudo = _equalized_pseudo_counts(y if sel.all() else y[sel], groups, lib, disp)
        delta = brent_maximize(partial(_cond_log_lik, pseudo), 1e-4, 100 / 101, tol)
        disp = delta / (1 - delta)
    return disp


def _tail_sums(
    start: np.ndarray,
    stop: np.ndarray,
    s: np.ndarray,
    size1: np.ndarray,
    size2: np.ndarray,
    mu1: np.ndarray,
    mu2: np.ndarray,
) -> np.ndarray:
    """Sum over x in [start, stop] of dnbinom(x; size1, mu1) * dnbinom(s - x; size2, mu2)."""
    out = np.zeros(len(start))
    lengths = (stop - start + 1).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    first = 0
    while first < len(start):
        last = int(np.searchsorted(bounds, bounds[first] + _RAGGED_CHUNK, side="right")) - 1
        last = max(last, first + 1)
        sl = slice(first, last)
        n = lengths[sl]
        rep = np.repeat(np.arange(last - first), n)
        x = np.arange(n.sum()) - np.repeat(bounds[sl] - bounds[first], n) + start[sl][rep]
        dens = np.exp(
            log_dnbinom(x, size1[sl][rep], mu1[sl][rep])
            + log_dnbinom(s[sl][rep] - x, size2[sl][rep], mu2[sl][rep])
        )
        out[sl] = np.bincount(rep, weights=dens, minlength=last - first)
        first = last
    return out


def _beta_approx(y1: np.ndarray, y2: np.ndarray, n1: int, n2: int, disp: float) -> np.ndarray:
    """edgeR exactTestBetaApprox for genes with large counts in both groups."""
    y = y1 + y2
    pvals = np.ones(len(y))
    ok = y > 0
    alpha1 = n1 * (y / (n1 + n2)) / (1 + disp * (y / (n1 + n2)))
    alpha2 = n2 / n1 * alpha1
    med = np.zeros(len(y))
    med[ok] = special.betaincinv(alpha1[ok], alpha2[ok], 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = ((y1 + 0.5) / y < med) & ok
        right = ((y1 - 0.5) / y > med) & ok
    pvals[left] = 2 * special.betainc(alpha1[left], alpha2[left], (y1[left] + 0.5) / y[left])
    pvals[right] = 2 * special.betaincc(alpha1[right], alpha2[right], (y1[right] - 0.5) / y[right])
    return pvals


def exact_test_double_tail(
    y1: np.ndarray, y2: np.ndarray, dispersion: float, big_count: int = _BIG_COUNT
) -> np.ndarray:
    """edgeR exactTestDoubleTail: twice the smaller tail of the conditional NB distribution."""
    n1, n2 = y1.shape[1], y2.shape[1]
    s1, s2 = np.round(r_row_sums(y1)), np.round(r_row_sums(y2))
    s = s1 + s2
    mu1 = n1 * (s / (n1 + n2))
    mu2 = n2 * (s / (n1 + n2))
    pvals = np.ones(len(s))
    big = (s1 > big_count) & (s2 > big_count)
    if big.any():
        pvals[big] = _beta_approx(r_row_sums(y1[big]), r_row_sums(y2[big]), n1, n2, dispersion)
    size1, size2 = n1 / dispersion, n2 / dispersion
    for tail in ("left", "right"):
        genes = np.flatnonzero(((s1 < mu1) if tail == "left" else (s1 > mu1)) & ~big)
        if not len(genes):
            continue
        sg = s[genes]
        start = np.zeros(len(genes)) if tail == "left" else s1[genes]
        stop = s1[genes] if tail == "left" else sg
        top = _tail_sums(
            start,
            stop,
            sg,
            np.full(len(genes), size1),
            np.full(len(genes), size2),
            mu1[genes],
            mu2[genes],
        )
        bottom = np.exp(log_dnbinom(sg, (n1 + n2) / dispersion, sg))
        pvals[genes] = 2 * top / bottom
    return np.minimum(pvals, 1)


def _split_groups(counts: pd.DataFrame, condition: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    missing = counts.columns.difference(condition.index)
    if len(missing):
        raise DEGnextInputError(f"condition: no condition for sample(s) {list(missing[:5])}")
    labels = condition.reindex(counts.columns).astype(str).str.lower().to_numpy()
    unknown = sorted(set(labels) - {NORMAL, TUMOR})
    if unknown:
        raise DEGnextInputError(f"condition: values must be 'normal' or 'tumor', got {unknown}")
    normal, tumor = np.flatnonzero(labels == NORMAL), np.flatnonzero(labels == TUMOR)
    for name, cols in ((NORMAL, normal), (TUMOR, tumor)):
        if len(cols) < 2:
            raise DEGnextInputError(
                f"condition: group '{name}' has {len(cols)} sample(s); at least 2 are needed"
            )
    return normal, tumor


def exact_test(
    counts: pd.DataFrame, condition: pd.Series, *, dispersion: float | None = None
) -> pd.DataFrame:
    """TCGAanalyze_DEA(method = "exactTest") of TCGAbiolinks: logFC, logCPM, PValue, FDR.

    `dispersion` overrides the qCML common dispersion (e.g. a value reported by edgeR).
    Rows keep the input gene order (TCGAbiolinks sorts them by PValue).
    """
    normal, tumor = _split_groups(counts, condition)
    y = counts.to_numpy(dtype=np.float64)
    lib = y.sum(axis=0, dtype=np.longdouble).astype(np.float64)
    if (lib <= 0).any():
        raise DEGnextInputError(f"counts: sample(s) {list(counts.columns[lib <= 0])} are all zero")
    # edgeR orders the groups by factor level (alphabetical): normal, then tumor.
    groups = [normal, tumor]
    disp = common_dispersion(y, groups, lib) if dispersion is None else float(dispersion)
    offset = np.log(lib)
    abundance_fc = []
    for cols in groups:
        prior = _PRIOR_FC * lib[cols] / r_mean(lib)
        abundance_fc.append(fit_one_group(y[:, cols] + prior, np.log(lib[cols] + 2 * prior), disp))
    log_fc = (abundance_fc[1] - abundance_fc[0]) / _LN2
    mean_rate = np.exp(fit_one_group(y, offset, disp))
    lib_average = np.exp(r_mean(offset))
    pseudo = [q2q_rows(y, cols, mean_rate, lib[cols], lib_average, disp) for cols in groups]
    pvals = exact_test_double_tail(pseudo[0], pseudo[1], disp)
    table = pd.DataFrame(
        {
            "logFC": log_fc,
            "logCPM": ave_log_cpm(y, lib, disp),
            "PValue": pvals,
            "FDR": bh_fdr(pvals),
        },
        index=counts.index,
    )
    table.attrs["common_dispersion"] = disp
    return table


def bh_fdr(pvalues: np.ndarray) -> np.ndarray:
    """R's p.adjust(method = "BH"), the project's one BH (the DEA's FDR, enrichment's q-values);
    not scipy.stats', whose import alone takes more memory (~50 MB) than a cohort's DEA."""
    order = np.argsort(pvalues, kind="stable")[::-1]
    n = len(order)
    adjusted = np.minimum.accumulate(n / np.arange(n, 0, -1) * pvalues[order])
    fdr = np.empty(n)
    fdr[order] = np.minimum(adjusted, 1)
    return fdr


def label_genes(dea: pd.DataFrame, fdr_cutoff: float = 0.01) -> pd.Series:
    """DEGnext labels: 1 up-regulated (FDR < cut, logFC > 0), 0 down-regulated, 2 neutral."""
    if not 0 < fdr_cutoff <= 1:
        raise DEGnextInputError(f"parameter fdr_cutoff must be in (0, 1], got {fdr_cutoff}")
    significant = dea["FDR"].to_numpy() < fdr_cutoff
    log_fc = dea["logFC"].to_numpy()
    labels = np.full(len(dea), 2, dtype=np.int64)
    labels[significant & (log_fc > 0)] = 1
    labels[significant & (log_fc < 0)] = 0
    return pd.Series(labels, index=dea.index, name="label")


def deseq2(counts: pd.DataFrame, condition: pd.Series, seed: int = 0) -> pd.DataFrame:
    """Alternative DE method: pydeseq2 Wald test (tumor vs normal).

    The columns the labels and the rest of the pipeline read are exact_test's (logFC, logCPM,
    PValue, FDR); logCPM is edgeR's aveLogCPM (dispersion 0.05, its default) so tables stay
    comparable. DESeq2's own results() columns follow (baseMean, log2FoldChange, lfcSE, stat,
    pvalue, padj; NA where DESeq2 gives none, e.g. padj of independently filtered genes).
    """
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference
    from pydeseq2.ds import DeseqStats

    normal, tumor = _split_groups(counts, condition)
    cols = counts.columns[np.concatenate([normal, tumor])]
    metadata = pd.DataFrame(
        {"condition": condition.reindex(cols).str.lower().to_numpy()}, index=cols.astype(str)
    )
    data = counts[cols].T.astype(np.int64)
    data.index = data.index.astype(str)
    np.random.seed(seed)
    inference = DefaultInference(n_cpus=1)
    dds = DeseqDataSet(
        counts=data,
        metadata=metadata,
        design="~condition",
        refit_cooks=True,
        inference=inference,
        quiet=True,
    )
    dds.deseq2()
    stats = DeseqStats(dds, contrast=["condition", TUMOR, NORMAL], inference=inference, quiet=True)
    stats.summary()
    res = stats.results_df.reindex(counts.index.astype(str))
    y = counts.to_numpy(dtype=np.float64)
    lib = y.sum(axis=0)
    pvals = res["pvalue"].fillna(1.0).to_numpy()
    common = pd.DataFrame(
        {
            "logFC": res["log2FoldChange"].fillna(0.0).to_numpy(),
            "logCPM": ave_log_cpm(y, lib, 0.05),
            "PValue": pvals,
            "FDR": bh_fdr(pvals),
        },
        index=counts.index,
    )
    native = res[list(DESEQ2_COLUMNS)].astype("float64").set_axis(counts.index)
    return common.join(native)

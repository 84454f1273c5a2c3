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
from degnext.normalization import r_mean

NORMAL, TUMOR = "normal", "tumor"
# edgeR topTags' columns, and DESeq2 results()' own columns (kept beside them by `deseq2`).
EDGER_COLUMNS = ("logFC", "logCPM", "PValue", "FDR")
DESEQ2_COLUMNS = ("baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj")
_LOW = 1e-10
_BIG_COUNT = 900
_PRIOR_FC = 0.125
_PRIOR_CPM = 2.0
_ROWSUM_FILTER = 5
_RAGGED_CHUNK = 5_000_000
_BLOCK_CELLS = 2_000_000
_LN2 = np.log(2.0)


def _r_row_sums(matrix: np.ndarray) -> np.ndarray:
    """R's rowSums (long-double accumulation)."""
    return matrix.sum(axis=1, dtype=np.longdouble).astype(np.float64)


def fit_one_group(y: np.ndarray, offset: np.ndarray, dispersion: float,
                  maxit: int = 50, tol: float = 1e-10) -> np.ndarray:
    """Log-mean of a one-group NB GLM per gene (edgeR's mglmOneGroup), by Fisher scoring.

    Start: log of the mean of y / exp(offset) over positive counts; each gene stops updating
    once its step is below `tol`; genes with no positive count get -inf. Row blocks bound memory.
    """
    step = max(1, _BLOCK_CELLS // max(1, y.shape[1]))
    return np.concatenate([_fit_one_group_block(y[i:i + step], offset, dispersion, maxit, tol)
                           for i in range(0, y.shape[0], step)] or [np.empty(0)])


def _fit_one_group_block(y: np.ndarray, offset: np.ndarray, dispersion: float, maxit: int,
                         tol: float) -> np.ndarray:
    lib = np.exp(offset)
    positive = y > _LOW
    with np.errstate(divide="ignore"):
        beta = np.log(np.where(positive, y / lib, 0.0).sum(axis=1) / y.shape[1])
    beta[~positive.any(axis=1)] = -np.inf
    active = np.flatnonzero(np.isfinite(beta))
    for _ in range(maxit):
        if not len(active):
            break
        mu = np.exp(beta[active, None] + offset)
        denom = 1 + mu * dispersion
        step = ((y[active] - mu) / denom).sum(axis=1) / (mu / denom).sum(axis=1)
        beta[active] += step
        active = active[np.abs(step) >= tol]
    return beta


def _add_prior(y: np.ndarray, lib: np.ndarray, prior: float) -> tuple[np.ndarray, np.ndarray]:
    """Library-size scaled prior counts and the matching augmented log offsets (edgeR)."""
    scaled = prior * lib / r_mean(lib)
    return y + scaled, np.log(lib + 2 * scaled)


def ave_log_cpm(y: np.ndarray, lib: np.ndarray, dispersion: float) -> np.ndarray:
    """edgeR aveLogCPM with prior.count 2: log2 CPM of the one-group NB fit."""
    y_aug, offset = _add_prior(y, lib, _PRIOR_CPM)
    return (fit_one_group(y_aug, offset, dispersion) + np.log(1e6)) / _LN2


_TINY = 1e-280
_SERIES_MAXIT = 100_000


def _log_gamma_tail(a: np.ndarray, x: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """log of the regularized incomplete gamma in deep tails, where scipy's value underflows.

    Lower tail (x < a): the power series of P(a, x); upper tail (x > a): the continued fraction
    of Q(a, x) (modified Lentz); both are accumulated next to the log prefactor.
    """
    out = np.empty(len(a))
    lo = ~upper
    if lo.any():
        aa, xx = a[lo], x[lo]
        term = np.ones(len(aa))
        total = np.ones(len(aa))
        k = 0
        active = np.ones(len(aa), dtype=bool)
        while active.any() and k < _SERIES_MAXIT:
            k += 1
            term = np.where(active, term * xx / (aa + k), term)
            total = total + np.where(active, term, 0.0)
            active &= term > total * 1e-17
        with np.errstate(divide="ignore"):
            out[lo] = -xx + special.xlogy(aa, xx) - special.gammaln(aa + 1) + np.log(total)
    if upper.any():
        aa, xx = a[upper], x[upper]
        tiny = 1e-300
        b = xx + 1 - aa
        c = np.full(len(aa), 1 / tiny)
        d = 1 / b
        h = d.copy()
        for i in range(1, _SERIES_MAXIT):
            an = -i * (i - aa)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1 / d
            delta = d * c
            h = h * delta
            if np.all(np.abs(delta - 1) < 1e-16):
                break
        out[upper] = -xx + special.xlogy(aa, xx) - special.gammaln(aa) + np.log(h)
    return out


def _by_tail(upper_fn, lower_fn, a: np.ndarray, v: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Evaluate only the needed one of two tail functions per element."""
    out = np.empty(np.broadcast(a, v).shape)
    a, v = np.broadcast_arrays(a, v)
    out[upper] = upper_fn(a[upper], v[upper])
    out[~upper] = lower_fn(a[~upper], v[~upper])
    return out


def _log_gamma_cdf(x: np.ndarray, shape: np.ndarray, scale: np.ndarray,
                   upper: np.ndarray) -> np.ndarray:
    """log P or log Q of a gamma distribution (R's pgamma(log.p = TRUE)), tails included."""
    z = x / scale
    p = _by_tail(special.gammaincc, special.gammainc, shape, z, upper)
    deep = (p < _TINY) & (z > 0)
    with np.errstate(divide="ignore"):
        out = np.log(p)
    if deep.any():
        out[deep] = _log_gamma_tail(shape[deep], z[deep], upper[deep])
    return out


def _gamma_quantile(logp: np.ndarray, shape: np.ndarray, scale: np.ndarray,
                    upper: np.ndarray) -> np.ndarray:
    """R's qgamma(log.p = TRUE): scipy's inverse, refined by Newton steps in deep tails."""
    p = np.exp(logp)
    q = _by_tail(special.gammainccinv, special.gammaincinv, shape, p, upper)
    deep = (p < _TINY) & np.isfinite(logp)
    if deep.any():
        q[deep] = _deep_gamma_quantile(logp[deep], shape[deep], upper[deep])
    return q * scale


def _deep_gamma_quantile(target: np.ndarray, a: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Solve log P(a, x) = target (or log Q) for x by Newton's method on log x."""
    lg = special.gammaln(a)
    u = np.where(upper, np.log(np.maximum(-target, 1.0)), (target + special.gammaln(a + 1)) / a)
    for _ in range(3):
        u = np.where(upper, np.log(np.maximum(-target + (a - 1) * u - lg, 1e-300)), u)
    for _ in range(100):
        x = np.exp(u)
        value = _log_gamma_tail(a, x, upper)
        slope = np.exp(a * u - x - lg - value) * np.where(upper, -1.0, 1.0)
        step = (value - target) / slope
        u = u - step
        if np.all(np.abs(step) < 1e-15 * np.maximum(np.abs(u), 1.0)):
            break
    return np.exp(u)


def q2q_nbinom(x: np.ndarray, input_mean: np.ndarray, output_mean: np.ndarray,
               dispersion: float) -> np.ndarray:
    """edgeR q2qnbinom: move counts from one NB mean to another keeping their tail probability.

    The NB quantile map is approximated by the average of a normal and a gamma quantile map
    with the NB's mean and variance; the tail nearer to x is used (upper when x >= input mean).
    """
    zero = (input_mean < 1e-14) | (output_mean < 1e-14)
    mi = np.where(zero, input_mean + 0.25, input_mean)
    mo = np.where(zero, output_mean + 0.25, output_mean)
    ri, ro = 1 + dispersion * mi, 1 + dispersion * mo
    upper = x >= mi
    sign = np.where(upper, -1.0, 1.0)
    z = (x - mi) / np.sqrt(mi * ri)
    q_norm = mo + sign * np.sqrt(mo * ro) * special.ndtri_exp(special.log_ndtr(sign * z))
    q_gamma = _gamma_quantile(_log_gamma_cdf(x, mi / ri, ri, upper), mo / ro, ro, upper)
    return (q_norm + q_gamma) / 2


def _q2q_blocks(y: np.ndarray, rate: np.ndarray, lib_in: np.ndarray, lib_out: float,
                disp: float) -> np.ndarray:
    """q2q_nbinom from means rate * lib_in to rate * lib_out, in row blocks to bound memory."""
    out = np.empty(y.shape, dtype=np.float64)
    step = max(1, _BLOCK_CELLS // max(1, y.shape[1]))
    for start in range(0, y.shape[0], step):
        rows = slice(start, start + step)
        r = rate[rows, None]
        out[rows] = q2q_nbinom(y[rows], r * lib_in, np.broadcast_to(r * lib_out, y[rows].shape),
                               disp)
    return out


def _equalized_pseudo_counts(y: np.ndarray, groups: list[np.ndarray], lib: np.ndarray,
                             dispersion: float) -> np.ndarray:
    """edgeR equalizeLibSizes: pseudo-counts at the geometric-mean library size."""
    common_lib = np.exp(r_mean(np.log(lib)))
    pseudo = np.empty_like(y, dtype=np.float64)
    for cols in groups:
        lam = np.exp(fit_one_group(y[:, cols], np.log(lib[cols]), dispersion))
        pseudo[:, cols] = _q2q_blocks(y[:, cols], lam, lib[cols], common_lib, dispersion)
    return np.maximum(pseudo, 0, out=pseudo)


def _cond_log_lik(groups_y: list[np.ndarray], delta: float) -> float:
    """Conditional NB log-likelihood (terms in r only) summed over groups and genes."""
    r = 1 / delta - 1
    total = np.zeros(groups_y[0].shape[0])
    for yg in groups_y:
        n = yg.shape[1]
        m = yg.sum(axis=1, dtype=np.longdouble).astype(np.float64) / n
        total = (_r_row_sums(special.gammaln(yg + r)) + special.gammaln(n * r)
                 - special.gammaln(n * (m + r)) - n * special.gammaln(r)) + total
    return float(total.sum(dtype=np.longdouble))


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


def common_dispersion(y: np.ndarray, groups: list[np.ndarray], lib: np.ndarray,
                      tol: float = 1e-6) -> float:
    """edgeR classic estimateCommonDisp: qCML over genes with total count > 5, two rounds."""
    sel = _r_row_sums(y) > _ROWSUM_FILTER
    if not sel.any():
        raise DEGnextInputError("counts: no gene has a total count above 5")
    disp = 0.01
    for _ in range(2):
        pseudo = _equalized_pseudo_counts(y, groups, lib, disp)[sel]
        split = [pseudo[:, cols] for cols in groups]
        delta = brent_maximize(partial(_cond_log_lik, split), 1e-4, 100 / 101, tol)
        disp = delta / (1 - delta)
    return disp


def _log_dnbinom(x: np.ndarray, size: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """log NB density with size / mean parameters."""
    return (special.gammaln(x + size) - special.gammaln(size) - special.gammaln(x + 1)
            + size * np.log(size / (size + mu)) + special.xlogy(x, mu / (size + mu)))


def _tail_sums(start: np.ndarray, stop: np.ndarray, s: np.ndarray, size1: np.ndarray,
               size2: np.ndarray, mu1: np.ndarray, mu2: np.ndarray) -> np.ndarray:
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
        dens = np.exp(_log_dnbinom(x, size1[sl][rep], mu1[sl][rep])
                      + _log_dnbinom(s[sl][rep] - x, size2[sl][rep], mu2[sl][rep]))
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
    pvals[right] = 2 * special.betaincc(alpha1[right], alpha2[right],
                                        (y1[right] - 0.5) / y[right])
    return pvals


def exact_test_double_tail(y1: np.ndarray, y2: np.ndarray, dispersion: float,
                           big_count: int = _BIG_COUNT) -> np.ndarray:
    """edgeR exactTestDoubleTail: twice the smaller tail of the conditional NB distribution."""
    n1, n2 = y1.shape[1], y2.shape[1]
    s1, s2 = np.round(_r_row_sums(y1)), np.round(_r_row_sums(y2))
    s = s1 + s2
    mu1 = n1 * (s / (n1 + n2))
    mu2 = n2 * (s / (n1 + n2))
    pvals = np.ones(len(s))
    big = (s1 > big_count) & (s2 > big_count)
    if big.any():
        pvals[big] = _beta_approx(_r_row_sums(y1[big]), _r_row_sums(y2[big]), n1, n2, dispersion)
    size1, size2 = n1 / dispersion, n2 / dispersion
    for tail in ("left", "right"):
        genes = np.flatnonzero(((s1 < mu1) if tail == "left" else (s1 > mu1)) & ~big)
        if not len(genes):
            continue
        sg = s[genes]
        start = np.zeros(len(genes)) if tail == "left" else s1[genes]
        stop = s1[genes] if tail == "left" else sg
        top = _tail_sums(start, stop, sg, np.full(len(genes), size1), np.full(len(genes), size2),
                         mu1[genes], mu2[genes])
        bottom = np.exp(_log_dnbinom(sg, (n1 + n2) / dispersion, sg))
        pvals[genes] = 2 * top / bottom
    return np.minimum(pvals, 1)


def bh_fdr(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (R's p.adjust(method = "BH"))."""
    n = len(pvalues)
    order = np.argsort(-pvalues, kind="stable")
    ranks = np.arange(n, 0, -1)
    adjusted = np.minimum.accumulate(n / ranks * pvalues[order])
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1)
    return out


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
                f"condition: group '{name}' has {len(cols)} sample(s); at least 2 are needed")
    return normal, tumor


def exact_test(counts: pd.DataFrame, condition: pd.Series, *,
               dispersion: float | None = None) -> pd.DataFrame:
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
    pseudo = [_q2q_blocks(y[:, cols], mean_rate, lib[cols], lib_average, disp) for cols in groups]
    pvals = exact_test_double_tail(pseudo[0], pseudo[1], disp)
    table = pd.DataFrame({"logFC": log_fc, "logCPM": ave_log_cpm(y, lib, disp), "PValue": pvals,
                          "FDR": bh_fdr(pvals)}, index=counts.index)
    table.attrs["common_dispersion"] = disp
    return table


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
    metadata = pd.DataFrame({"condition": condition.reindex(cols).str.lower().to_numpy()},
                            index=cols.astype(str))
    data = counts[cols].T.astype(np.int64)
    data.index = data.index.astype(str)
    np.random.seed(seed)
    inference = DefaultInference(n_cpus=1)
    dds = DeseqDataSet(counts=data, metadata=metadata, design="~condition",
                       refit_cooks=True, inference=inference, quiet=True)
    dds.deseq2()
    stats = DeseqStats(dds, contrast=["condition", TUMOR, NORMAL], inference=inference, quiet=True)
    stats.summary()
    res = stats.results_df.reindex(counts.index.astype(str))
    y = counts.to_numpy(dtype=np.float64)
    lib = y.sum(axis=0)
    pvals = res["pvalue"].fillna(1.0).to_numpy()
    common = pd.DataFrame({"logFC": res["log2FoldChange"].fillna(0.0).to_numpy(),
                           "logCPM": ave_log_cpm(y, lib, 0.05), "PValue": pvals,
                           "FDR": bh_fdr(pvals)}, index=counts.index)
    native = res[list(DESEQ2_COLUMNS)].astype("float64").set_axis(counts.index)
    return common.join(native)

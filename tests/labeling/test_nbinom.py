"""The NB arithmetic behind the exact test: tails, row blocks and threads."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

from degnext.errors import DEGnextInputError
from degnext.labeling import nbinom
from degnext.labeling.dea import _equalized_pseudo_counts, exact_test
from tests.labeling.test_dea import _nb_cohort


def test_deep_upper_gamma_tail_matches_the_closed_form():
    # Q(2, x) = exp(-x) (1 + x): far below what gammaincc can return as a double.
    x = np.array([800.0, 1500.0, 3000.0])
    logq = nbinom._log_gamma_tail(np.full(3, 2.0), x, np.ones(3, dtype=bool))
    assert np.allclose(logq, -x + np.log1p(x), rtol=1e-14, atol=0)


def test_row_blocks_cover_every_row_once_with_one_block_per_thread_at_least(monkeypatch):
    monkeypatch.setenv("DEGNEXT_THREADS", "3")
    blocks = nbinom.row_blocks(10, 4)
    assert np.concatenate([np.arange(10)[b] for b in blocks]).tolist() == list(range(10))
    assert len(blocks) >= 3


def test_exact_test_does_not_depend_on_threads_or_block_size(monkeypatch):
    counts, condition = _nb_cohort(n_genes=400)
    monkeypatch.setenv("DEGNEXT_THREADS", "1")
    one = exact_test(counts, condition)
    monkeypatch.setenv("DEGNEXT_THREADS", "3")
    monkeypatch.setattr(nbinom, "_BLOCK_CELLS", 100)
    many = exact_test(counts, condition)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    assert one.attrs == many.attrs


def test_q2q_rows_reads_its_columns_block_by_block_into_one_output(monkeypatch):
    counts, condition = _nb_cohort(n_genes=300)
    y = counts.to_numpy(dtype=np.float64)
    cols = np.flatnonzero(condition.to_numpy() == "tumor")
    rate = y.mean(axis=1) / 1e6 + 1e-9
    lib = y.sum(axis=0)
    monkeypatch.setenv("DEGNEXT_THREADS", "3")
    monkeypatch.setattr(nbinom, "_BLOCK_CELLS", 400)
    blocked = nbinom.q2q_rows(y, cols, rate, lib[cols], 1e6, 0.2)
    whole = nbinom.q2q_nbinom(
        y[:, cols],
        rate[:, None] * lib[cols],
        np.broadcast_to(rate[:, None] * 1e6, (len(y), len(cols))),
        0.2,
    )
    assert blocked.shape == (len(y), len(cols))
    np.testing.assert_array_equal(blocked, whole)


def test_pseudo_counts_of_selected_rows_equal_the_same_rows_of_all():
    # common_dispersion equalizes only the genes it uses: each row must be computed on its own.
    counts, condition = _nb_cohort(n_genes=300)
    y = counts.to_numpy(dtype=np.float64)
    groups = [np.flatnonzero(condition.to_numpy() == g) for g in ("normal", "tumor")]
    lib = y.sum(axis=0)
    keep = np.arange(len(y)) % 3 != 0
    every = _equalized_pseudo_counts(y, groups, lib, 0.1)
    some = _equalized_pseudo_counts(y[keep], groups, lib, 0.1)
    for all_rows, selected in zip(every, some, strict=True):
        np.testing.assert_array_equal(all_rows[keep], selected)


def test_a_bad_thread_count_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DEGNEXT_THREADS", "two")
    with pytest.raises(DEGnextInputError, match="DEGNEXT_THREADS"):
        nbinom.row_blocks(10, 4)


def test_halley_gamma_quantile_agrees_with_scipys_inverse_or_defers_to_it():
    # Both tails, shapes from 0.05 (no convergence from the start: left to scipy) to 500.
    rng = np.random.default_rng(7)
    shape_in = np.exp(rng.uniform(np.log(0.05), np.log(500), 20_000))
    shape_out = shape_in * rng.uniform(0.5, 2, len(shape_in))
    x = rng.gamma(shape_in)
    upper = x >= shape_in
    logp = nbinom._log_gamma_cdf(x, shape_in, np.ones(len(x)), upper)
    start = nbinom.wilson_hilferty_map(x, shape_in, shape_out)
    ours = nbinom._gamma_quantile(logp, shape_out, np.ones(len(x)), upper, start)
    scipy_inverse = np.where(
        upper,
        special.gammainccinv(shape_out, np.exp(logp)),
        special.gammaincinv(shape_out, np.exp(logp)),
    )
    assert np.allclose(ours, scipy_inverse, rtol=1e-13, atol=0)
    _, stalled = nbinom._halley_gamma_quantile(np.exp(logp), shape_out, upper, start)
    assert 0 < stalled.mean() < 0.2  # most solved by Halley, the rest really deferred

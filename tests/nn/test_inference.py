"""predict_calls / binary_logits / release_inputs on small seeded models (no shared data)."""

import numpy as np
import pandas as pd
import pytest
import torch

from degnext.errors import DEGnextInputError
from degnext.nn.inference import (
    binary_logits,
    calls_from_logits,
    predict,
    predict_calls,
    release_inputs,
)
from degnext.nn.model import DEGnext


def _constant_model(n: int, logit: float) -> DEGnext:
    """Binary model whose head ignores its input: every gene gets the same logit."""
    model = DEGnext(n, 1, seed=0)
    with torch.no_grad():
        model.Lin5.weight.zero_()
        model.Lin5.bias.fill_(logit)
    return model


def _expression(n_genes: int, n_samples: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        rng.gamma(2.0, 300.0, size=(n_genes, n_samples)),
        index=pd.Index([f"G{i}" for i in range(n_genes)], name="symbol"),
        columns=[f"s{j}" for j in range(n_samples)],
    )


def test_predict_calls_table_matches_training_predict():
    expression = _expression(40, 12)
    model = DEGnext(12, 1, seed=3)
    table = predict_calls(model, expression, device="cpu")
    assert list(table.columns) == ["gene", "p_up", "logit", "call"]
    assert table["gene"].tolist() == expression.index.tolist()
    np.testing.assert_allclose(table["p_up"], 1 / (1 + np.exp(-table["logit"])), rtol=1e-12)
    np.testing.assert_allclose(
        table["p_up"], predict(model, expression.to_numpy(), device="cpu"), rtol=1e-5, atol=1e-7
    )
    assert set(table["call"]) <= {"UR", "DR"}
    assert (table["call"] == "UR").tolist() == (table["p_up"] >= 0.5).tolist()


def test_logit_decision_is_the_release_rule_not_the_probability_rule():
    """A logit of 0.3 is P(UR) = 0.57: UR by probability, DR by the release's logit >= 0.5."""
    expression = _expression(5, 16)
    model = _constant_model(16, 0.3)
    by_probability = predict_calls(model, expression, device="cpu")
    by_logit = predict_calls(model, expression, device="cpu", decision="logit")
    assert by_probability["logit"].to_numpy() == pytest.approx(0.3, abs=1e-6)
    assert (by_probability["call"] == "UR").all() and (by_logit["call"] == "DR").all()
    strict = predict_calls(model, expression, device="cpu", threshold=0.6)
    assert (strict["call"] == "DR").all()
    assert calls_from_logits(np.array([0.5, 0.49]), decision="logit").tolist() == [1, 0]


def test_release_inputs_pads_a_prime_width_and_draws_the_legacy_noise():
    X = _expression(7, 13).to_numpy()
    model = DEGnext(13, 1, seed=0)  # 13 is prime: one zero column, grid 7 x 2
    out = release_inputs(X, model, seed=0)
    assert out.shape == (7, 14) and out.dtype == np.float32
    np.random.seed(0)  # what the release's script did before loading one cohort
    loaded = X.astype(np.float32)  # it read the matrix as float32, then added float64 noise
    expected = np.hstack([loaded, np.zeros((7, 1))]) + np.random.randn(7, 14)
    np.testing.assert_array_equal(out, expected.astype(np.float32))
    assert not np.array_equal(out, release_inputs(X, model, seed=1))
    assert binary_logits(model, out, device="cpu").shape == (7,)


def test_padded_rows_without_noise_give_the_unpadded_logits():
    X = _expression(9, 13).to_numpy()
    model = DEGnext(13, 1, seed=1)
    padded = np.hstack([X, np.zeros((9, 1))])
    np.testing.assert_array_equal(
        binary_logits(model, X, device="cpu"), binary_logits(model, padded, device="cpu")
    )


def test_bad_inputs_raise_named_errors():
    expression = _expression(4, 12)
    binary = DEGnext(12, 1, seed=0)
    with pytest.raises(DEGnextInputError, match="binary"):
        predict_calls(DEGnext(12, 3, seed=0), expression)
    with pytest.raises(DEGnextInputError, match=r"\(genes, samples\)"):
        predict_calls(binary, expression.iloc[:0])
    broken = expression.copy()
    broken.loc["G2", "s5"] = np.nan
    with pytest.raises(DEGnextInputError, match=r"gene 'G2', column 's5'"):
        predict_calls(binary, broken)
    with pytest.raises(DEGnextInputError, match="column 's0' is not numeric"):
        predict_calls(binary, expression.assign(s0="x"))
    with pytest.raises(DEGnextInputError, match="decision"):
        predict_calls(binary, expression, decision="argmax")
    with pytest.raises(DEGnextInputError, match="threshold"):
        predict_calls(binary, expression, threshold=1.5)
    with pytest.raises(DEGnextInputError, match="DataFrame"):
        predict_calls(binary, expression.to_numpy())
    with pytest.raises(DEGnextInputError, match="batch_size"):
        binary_logits(binary, expression.to_numpy(), batch_size=0)

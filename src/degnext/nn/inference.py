"""The one inference path of DEGnext: expression rows in, head outputs, logits, probabilities, calls.

Training scores its folds and test sets through it, and the predict pipeline calls genes through
it. The release's load-time perturbation (`release_inputs`) is kept separate, because it is only
needed to reproduce the authors' printed numbers: a noise-free input is the right default.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import torch
from scipy.special import expit

from degnext.errors import DEGnextInputError
from degnext.nn.device import prepare, resolve_device, to_device
from degnext.nn.model import DEGnext, reshape_dims

Decision = Literal["probability", "logit"]


def _require_binary(model: DEGnext) -> None:
    if not model.is_binary:
        raise DEGnextInputError(
            f"model has a {model.config.n_outputs}-class head; UR/DR calls need a binary "
            "(fine-tuned, n_outputs=1) checkpoint"
        )


def check_rows(X: np.ndarray, what: str = "expression matrix") -> np.ndarray:
    """(N, n) finite rows (any n: the network pools adaptively), as float32."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DEGnextInputError(f"{what} must be (genes, samples), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number):
        raise DEGnextInputError(f"{what} must be numeric, got dtype {X.dtype}")
    finite = np.isfinite(X)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise DEGnextInputError(f"{what} has a NaN/inf value at row {row}, column {col}")
    return X.astype(np.float32, copy=False)


def outputs(model: DEGnext, X: np.ndarray, batch_size: int, device: str) -> torch.Tensor:
    """Raw head outputs on CPU, batched, without autograd, for (N, n) or already padded rows.

    Padded rows are what `release_inputs` produces: the release perturbed the zero pad column
    too, so padding inside the model would change its scores.
    """
    xt = torch.from_numpy(np.ascontiguousarray(check_rows(X)))
    if batch_size < 1:
        raise DEGnextInputError(f"parameter batch_size must be >= 1, got {batch_size}")
    dev = resolve_device(device)
    prepare(model, dev).eval()
    with torch.inference_mode():
        chunks = [
            model(to_device(xt[i : i + batch_size], dev)).float().cpu()
            for i in range(0, xt.shape[0], batch_size)
        ]
    return torch.cat(chunks)


def binary_logits(
    model: DEGnext, X: np.ndarray, *, batch_size: int = 4096, device: str = "auto"
) -> np.ndarray:
    """(N,) float64 logits of a binary head: what ROC AUC and ROC curves should rank genes by."""
    _require_binary(model)
    return outputs(model, X, batch_size, device).numpy().astype(np.float64)


def predict(
    model: DEGnext, X: np.ndarray, *, batch_size: int = 4096, device: str = "auto"
) -> np.ndarray:
    """3-class head: (N, 3) softmax probabilities; binary head: (N,) P(UR) = sigmoid(logit).

    P(UR) is computed in float64: in float32 every logit above ~17 rounds to exactly 1.0.
    """
    out = outputs(model, X, batch_size, device)
    if model.is_binary:
        return torch.sigmoid(out.double()).numpy()
    return (out if model.config.softmax_output else out.softmax(dim=1)).numpy()


def predict_genes(
    model: DEGnext, features: np.ndarray, rows: pd.DataFrame, device: str
) -> pd.DataFrame:
    """Per-gene UR/DR call with its float64 logit and probability, beside the gene's known label."""
    logit = binary_logits(model, features, device=device)
    predicted = (logit >= 0).astype(int)
    return rows[["gene_id", "symbol", "set", "label"]].assign(
        logit=logit,
        p_up=expit(logit),
        predicted=predicted,
        call=np.where(predicted == 1, "UR", "DR"),
    )


def release_inputs(X: np.ndarray, model: DEGnext, *, seed: int = 0) -> np.ndarray:
    """The matrix the authors' loader fed their network, for reproducing their printed scores.

    Their loader appends the zero column of a prime sample count first and then adds N(0, 1)
    noise to every cell, the zero column included, drawn from numpy's legacy global generator
    (`np.random.seed(0)` once per script, so `seed=0` on a fresh generator reproduces a
    one-cohort run). Like theirs, the matrix is read as float32, the noise added in float64 and the
    sum handed to the network as float32.
    """
    X = check_rows(X)
    rows, cols, _ = reshape_dims(X.shape[1])
    padded = np.zeros((X.shape[0], rows * cols))
    padded[:, : X.shape[1]] = X
    noise = np.random.RandomState(seed).randn(*padded.shape)
    return (padded + noise).astype(np.float32)


def _check_decision(threshold: float, decision: str) -> None:
    if decision not in ("probability", "logit"):
        raise DEGnextInputError(
            f"parameter decision must be 'probability' or 'logit', got {decision!r}"
        )
    if decision == "probability" and not 0 < threshold < 1:
        raise DEGnextInputError(
            f"parameter threshold must be in (0, 1) for decision='probability', got {threshold}"
        )


def calls_from_logits(
    logit: np.ndarray, *, threshold: float = 0.5, decision: Decision = "probability"
) -> np.ndarray:
    """1 (UR) / 0 (DR) per gene: P(UR) >= threshold, or logit >= threshold as the release did."""
    _check_decision(threshold, decision)
    logit = np.asarray(logit, dtype=np.float64)
    score = expit(logit) if decision == "probability" else logit
    return (score >= threshold).astype(np.int64)


def predict_calls(
    model: DEGnext,
    expression: pd.DataFrame,
    *,
    device: str = "auto",
    threshold: float = 0.5,
    decision: Decision = "probability",
) -> pd.DataFrame:
    """One row per gene of `expression`: gene (its index), p_up = P(UR), logit, call UR/DR.

    `expression` holds genes as rows and the cohort's samples (normal first, then tumor) as
    columns, as the model was trained; no noise is added.
    """
    if not isinstance(expression, pd.DataFrame):
        raise DEGnextInputError(
            "expression must be a pandas DataFrame (genes x samples), "
            f"got {type(expression).__name__}"
        )
    _require_binary(model)
    non_numeric = [
        c for c, dtype in expression.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)
    ]
    if non_numeric:
        raise DEGnextInputError(f"expression column {non_numeric[0]!r} is not numeric")
    values = expression.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DEGnextInputError(
            f"expression has a NaN/inf value for gene {expression.index[row]!r}, "
            f"column {expression.columns[col]!r}"
        )
    _check_decision(threshold, decision)
    logit = binary_logits(model, values, device=device)
    call = calls_from_logits(logit, threshold=threshold, decision=decision)
    return pd.DataFrame(
        {
            "gene": expression.index.to_numpy(),
            "p_up": expit(logit),
            "logit": logit,
            "call": np.where(call == 1, "UR", "DR"),
        }
    )

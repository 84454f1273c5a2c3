"""Fast training, cross-validation and inference for DEGnext.

Speed comes from doing no per-sample Python work: the whole matrix is one tensor (padded once,
moved to the device once), each epoch draws one seeded permutation and slices batches out of it,
the loss is summed on the device and read back once per epoch, and the network runs in the
channels-last layout (same math, faster oneDNN/cuDNN kernels). None of these changes the math:
in the default layout (``memory_format="contiguous"``) the weights equal a plain DataLoader loop's
bit for bit; channels-last sums the convolutions in another order, so a short fixed-seed run gives
the same loss curve to float rounding, which Adam amplifies over long runs (tests/test_training.py
checks both). Optional bf16 autocast trades precision for speed and is off by default.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from degnext.errors import DEGnextInputError
from degnext.evaluation.metrics import multiclass_metrics
from degnext.nn.model import DEGnext

logger = logging.getLogger(__name__)

LossName = Literal["cross_entropy", "bce"]
AMP_DTYPES = {"bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
MEMORY_FORMATS = {"channels_last": torch.channels_last, "contiguous": torch.contiguous_format}
SAMPLINGS = ("uniform", "balanced")


@dataclass
class StageParams:
    """Adam + schedule of one training stage; defaults are Table 7's first level."""

    epochs: int = 50
    batch_size: int = 256
    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    # "uniform": each epoch visits every row once (the authors' loop); "balanced": each epoch
    # draws as many rows, with replacement, each class equally likely (an option, off by default).
    sampling: Literal["uniform", "balanced"] = "uniform"

    def __post_init__(self) -> None:
        self.betas = (float(self.betas[0]), float(self.betas[1]))
        if self.sampling not in SAMPLINGS:
            raise DEGnextInputError(
                f"StageParams.sampling must be one of {SAMPLINGS}, got {self.sampling!r}"
            )
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise DEGnextInputError(
                    f"StageParams.{name} must be >= 1, got {getattr(self, name)}"
                )
        if self.lr <= 0:
            raise DEGnextInputError(f"StageParams.lr must be > 0, got {self.lr}")

    @classmethod
    def fine_tune(cls, **overrides: float | int | tuple[float, float]) -> StageParams:
        """Table 7's fine-tuning stage: 31 epochs, batch 64, same Adam."""
        return cls(**{"epochs": 31, "batch_size": 64, **overrides})


def resolve_device(device: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU; anything else is passed to torch.device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise DEGnextInputError(f"parameter device: unknown device {device!r}") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise DEGnextInputError(f"parameter device: {device!r} requested but CUDA is not available")
    return resolved


def _check_xy(model: DEGnext, X: np.ndarray, y: np.ndarray | None) -> None:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DEGnextInputError(f"expression matrix must be (genes, samples), got {X.shape}")
    if not np.isfinite(X).all():
        bad = int(np.argwhere(~np.isfinite(X))[0, 0])
        raise DEGnextInputError(f"expression matrix has a NaN/inf value in row {bad}")
    if y is None:
        return
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise DEGnextInputError(
            f"labels must be one per gene row ({X.shape[0]}), got shape {y.shape}"
        )
    allowed = (0, 1) if model.is_binary else (0, 1, 2)
    bad_rows = np.flatnonzero(~np.isin(y, allowed))
    if bad_rows.size:
        raise DEGnextInputError(
            f"label {y[bad_rows[0]].item()!r} in row {bad_rows[0]} is not one of {allowed} for this head"
        )


def _loss_fn(model: DEGnext, loss: LossName | None) -> nn.Module:
    expected: LossName = "bce" if model.is_binary else "cross_entropy"
    if loss not in (None, expected):
        raise DEGnextInputError(
            f"parameter loss={loss!r} does not fit the model head (n_outputs="
            f"{model.config.n_outputs}); use {expected!r}"
        )
    return nn.BCEWithLogitsLoss() if model.is_binary else nn.CrossEntropyLoss()


def _autocast(device: torch.device, amp_dtype: str | None) -> contextlib.AbstractContextManager:
    if amp_dtype is None:
        return contextlib.nullcontext()
    if amp_dtype not in AMP_DTYPES:
        raise DEGnextInputError(
            f"parameter amp_dtype must be None or 'bfloat16', got {amp_dtype!r}"
        )
    return torch.autocast(device.type, dtype=AMP_DTYPES[amp_dtype])


def _to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def _limit_threads() -> None:
    """No more intra-op threads than CPUs this process may use (containers often report more)."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if allowed and torch.get_num_threads() > allowed:
        torch.set_num_threads(allowed)


def _prepare(model: DEGnext, device: torch.device, memory_format: str = "channels_last") -> DEGnext:
    if memory_format not in MEMORY_FORMATS:
        raise DEGnextInputError(
            f"parameter memory_format must be one of {sorted(MEMORY_FORMATS)}, got {memory_format!r}"
        )
    if device.type == "cpu":
        _limit_threads()
    return model.to(device=device, memory_format=MEMORY_FORMATS[memory_format])


def fit(
    model: DEGnext,
    X: np.ndarray,
    y: np.ndarray,
    params: StageParams,
    *,
    seed: int,
    device: str = "auto",
    loss: LossName | None = None,
    log_every_s: float = 10.0,
    amp_dtype: str | None = None,
    input_noise_std: float = 0.0,
    stage: str = "train",
    memory_format: str = "channels_last",
    cohorts: Sequence[str] = (),
) -> pd.DataFrame:
    """Train `model` in place with Adam; returns the per-epoch mean training loss.

    `seed` fixes the batch order and the input noise: on CPU the same seed, initial weights and
    number of torch threads give bit-identical weights and losses (all kernels used are
    deterministic there; the thread count sets the order of float sums, so it is recorded in the
    provenance); on CUDA cuDNN's convolution backward may differ in the last bits between runs.
    `input_noise_std > 0` adds N(0, std^2) noise once to the padded matrix, as the release did
    with std 1 at load time. `memory_format="contiguous"` runs the network in the default layout
    instead of channels-last: slower on oneDNN, same math (for comparisons and odd backends).
    """
    history = fit_sequential(
        model,
        [(X, y)],
        params,
        seed=seed,
        device=device,
        loss=loss,
        log_every_s=log_every_s,
        amp_dtype=amp_dtype,
        input_noise_std=input_noise_std,
        stage=stage,
        memory_format=memory_format,
        cohorts=cohorts,
    )
    return history[["epoch", "loss"]]


def fit_sequential(
    model: DEGnext,
    datasets: list[tuple[np.ndarray, np.ndarray]],
    params: StageParams,
    *,
    seed: int,
    device: str = "auto",
    loss: LossName | None = None,
    log_every_s: float = 10.0,
    amp_dtype: str | None = None,
    input_noise_std: float = 0.0,
    stage: str = "transfer",
    memory_format: str = "channels_last",
    cohorts: Sequence[str] = (),
) -> pd.DataFrame:
    """Train on several cohorts with one optimizer: every epoch visits the cohorts in order.

    This is the authors' transfer-learning loop (``fit`` is its one-cohort case); cohorts may
    have different sample counts, since the network pools adaptively. Cohorts without rows are
    skipped. Returns one row per (epoch, cohort) with its mean training loss. Progress is
    logged under the names in ``cohorts`` and ``stage``: at the start, after the first and the
    last epoch, and at most every ``log_every_s`` seconds in between, with an ETA.
    """
    datasets = [(X, y) for X, y in datasets if len(y)]
    if not datasets:
        raise DEGnextInputError(f"{stage}: no training rows in any cohort")
    for X, y in datasets:
        _check_xy(model, X, y)
    if input_noise_std < 0:
        raise DEGnextInputError(f"parameter input_noise_std must be >= 0, got {input_noise_std}")
    dev = resolve_device(device)
    loss_fn = _loss_fn(model, loss)
    autocast = _autocast(dev, amp_dtype)
    gen = torch.Generator().manual_seed(seed)
    tensors = [_training_tensors(model, X, y, input_noise_std, gen, dev) for X, y in datasets]

    _prepare(model, dev, memory_format).train()
    opt = torch.optim.Adam(
        model.parameters(),
        lr=params.lr,
        betas=params.betas,
        eps=params.eps,
        weight_decay=params.weight_decay,
    )
    bs = int(params.batch_size)
    records: list[dict] = []
    progress = _Progress(
        f"{' + '.join(cohorts) or 'model'} {stage.replace('_', ' ')}",
        int(params.epochs),
        log_every_s,
    )
    progress.start(sum(len(y) for _, y in datasets), dev)
    for epoch in range(1, int(params.epochs) + 1):
        for cohort, (xt, yt) in enumerate(tensors):
            n = xt.shape[0]
            perm = _epoch_order(yt, params.sampling, gen).to(dev)
            total = torch.zeros((), device=dev)
            for i in range(0, n, bs):
                idx = perm[i : i + bs]
                with autocast:
                    out = model(xt[idx])
                batch_loss = loss_fn(out.float(), yt[idx])
                opt.zero_grad(set_to_none=True)
                batch_loss.backward()
                opt.step()
                total += batch_loss.detach() * idx.numel()
            records.append({"epoch": epoch, "cohort": cohort, "loss": total.item() / n})
        progress.epoch_done(epoch, records[-1]["loss"])
    model.eval()
    sizes = [int(len(y)) for _, y in datasets]
    model.provenance.setdefault("stages", []).append(
        {
            "stage": stage,
            "params": asdict(params),
            "seed": seed,
            "n_genes": sizes[0] if len(sizes) == 1 else sizes,
            "device": str(dev),
            "torch_threads": torch.get_num_threads(),
            "amp_dtype": amp_dtype,
            "memory_format": memory_format,
            "input_noise_std": input_noise_std,
            "final_loss": records[-1]["loss"],
        }
    )
    return pd.DataFrame(records)


def _epoch_order(y: torch.Tensor, sampling: str, gen: torch.Generator) -> torch.Tensor:
    """One epoch's row order: a permutation, or n class-balanced draws with replacement."""
    n = y.shape[0]
    if sampling == "uniform":
        return torch.randperm(n, generator=gen)
    labels = y.cpu().long()
    weights = 1.0 / torch.bincount(labels)[labels].double()
    return torch.multinomial(weights, n, replacement=True, generator=gen)


class _Progress:
    """Log lines of one training stage: what trains, epoch i/n, loss, speed and ETA.

    A line at the start and after the first epoch, so that a long node is never silent, then
    at most one every ``every_s`` seconds, and one after the last epoch.
    """

    def __init__(self, label: str, epochs: int, every_s: float) -> None:
        self.label, self.epochs, self.every_s = label, epochs, every_s
        self.started = self.last_line = time.perf_counter()
        self.genes_per_epoch = 0

    def start(self, genes_per_epoch: int, device: torch.device) -> None:
        self.genes_per_epoch = genes_per_epoch
        logger.info(
            "%s: %d epochs over %d genes on %s", self.label, self.epochs, genes_per_epoch, device
        )
        self.started = self.last_line = time.perf_counter()

    def epoch_done(self, epoch: int, loss: float) -> None:
        now = time.perf_counter()
        if epoch not in (1, self.epochs) and now - self.last_line < self.every_s:
            return
        self.last_line = now
        elapsed = now - self.started
        eta_s = elapsed / epoch * (self.epochs - epoch)
        rate = self.genes_per_epoch * epoch / elapsed if elapsed > 0 else float("inf")
        logger.info(
            "%s: epoch %d/%d, loss %.4f, %.0f genes/s, ETA %s",
            self.label,
            epoch,
            self.epochs,
            loss,
            rate,
            _duration(eta_s),
            extra={"progress": {"epoch": epoch, "loss": loss, "genes_per_s": rate, "eta_s": eta_s}},
        )


def _duration(seconds: float) -> str:
    """'42 s', '3 min 05 s' or '1 h 02 min': an ETA one can read at a glance."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _training_tensors(
    model: DEGnext,
    X: np.ndarray,
    y: np.ndarray,
    input_noise_std: float,
    gen: torch.Generator,
    dev: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded float features (plus the seeded release-style noise) and labels, on the device."""
    xt = model.pad_inputs(torch.as_tensor(np.array(X, dtype=np.float32)))
    if input_noise_std > 0:
        xt = xt + input_noise_std * torch.randn(xt.shape, generator=gen)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.float32 if model.is_binary else torch.long)
    return _to_device(xt.contiguous(), dev), _to_device(yt, dev)


def _outputs(model: DEGnext, X: np.ndarray, batch_size: int, device: str) -> torch.Tensor:
    """Raw head outputs on CPU, batched, without autograd."""
    _check_xy(model, X, None)
    dev = resolve_device(device)
    _prepare(model, dev).eval()
    xt = torch.from_numpy(np.array(X, dtype=np.float32))
    chunks = []
    with torch.inference_mode():
        for i in range(0, xt.shape[0], batch_size):
            chunks.append(model(_to_device(xt[i : i + batch_size], dev)).float().cpu())
    return torch.cat(chunks)


def binary_logits(
    model: DEGnext, X: np.ndarray, *, batch_size: int = 4096, device: str = "auto"
) -> np.ndarray:
    """(N,) float64 logits of a binary head: what ROC AUC and ROC curves should rank genes by."""
    if not model.is_binary:
        raise DEGnextInputError("binary_logits needs a binary (fine-tuned, n_outputs=1) model")
    return _outputs(model, X, batch_size, device).numpy().astype(np.float64)


def predict(
    model: DEGnext, X: np.ndarray, *, batch_size: int = 4096, device: str = "auto"
) -> np.ndarray:
    """3-class head: (N, 3) softmax probabilities; binary head: (N,) P(UR) = sigmoid(logit).

    P(UR) is computed in float64: in float32 every logit above ~17 rounds to exactly 1.0.
    """
    out = _outputs(model, X, batch_size, device)
    if model.is_binary:
        return torch.sigmoid(out.double()).numpy()
    return (out if model.config.softmax_output else out.softmax(dim=1)).numpy()


def _validation_loss(model: DEGnext, out: torch.Tensor, y: np.ndarray) -> float:
    if model.is_binary:
        return float(
            nn.functional.binary_cross_entropy_with_logits(out, torch.as_tensor(y).float())
        )
    return float(nn.functional.cross_entropy(out, torch.as_tensor(y).long()))


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    params: StageParams,
    *,
    seed: int,
    device: str = "auto",
    n_outputs: int = 3,
    cohorts: Sequence[str] = (),
    **fit_kwargs: object,
) -> tuple[dict[int, DEGnext], pd.DataFrame]:
    """k-fold CV: train on k-1 folds, validate on the held-out one; every fold's model and scores.

    The table's ``best`` column marks the fold to keep: highest validation accuracy, ties broken
    by lower validation loss, then lower fold id. All models are returned because the paper's
    Table 2 averages the T3 metrics of the five fold models. Every fold starts from the same
    seeded initial weights, so folds differ only in their data.
    """
    X, y, folds = np.asarray(X), np.asarray(y), np.asarray(folds)
    if folds.shape != (X.shape[0],) or not np.issubdtype(folds.dtype, np.integer):
        raise DEGnextInputError(
            f"folds must be one integer fold id per gene row ({X.shape[0]}), "
            f"got shape {folds.shape} dtype {folds.dtype}"
        )
    fold_ids = np.unique(folds)
    if fold_ids.size < 2:
        raise DEGnextInputError(
            f"folds must hold at least 2 distinct fold ids, got {fold_ids.tolist()}"
        )
    rows, models = [], {}
    for position, fold in enumerate(fold_ids, start=1):
        val = folds == fold
        model = DEGnext(X.shape[1], n_outputs, seed=seed)
        fit(
            model,
            X[~val],
            y[~val],
            params,
            seed=seed,
            device=device,
            stage=f"first_level fold {fold} ({position} of {fold_ids.size})",
            cohorts=cohorts,
            **fit_kwargs,
        )
        out = _outputs(model, X[val], 4096, device)
        probs = torch.sigmoid(out).numpy() if model.is_binary else out.softmax(dim=1).numpy()
        if model.is_binary:
            probs = np.stack([1 - probs, probs], axis=1)
        scores = multiclass_metrics(y[val], probs)
        rows.append(
            {
                "fold": int(fold),
                "n_train": int((~val).sum()),
                "n_val": int(val.sum()),
                "accuracy": scores["accuracy"],
                "weighted_f1": scores["f_measure"],
                "loss": _validation_loss(model, out, y[val]),
            }
        )
        models[int(fold)] = model
        logger.info(
            "%s first level fold %d: validation accuracy %.2f%%, loss %.4f",
            " + ".join(cohorts) or "model",
            fold,
            scores["accuracy"],
            rows[-1]["loss"],
        )
    table = pd.DataFrame(rows)
    best = table.sort_values(["accuracy", "loss", "fold"], ascending=[False, True, True])["fold"]
    table["best"] = table["fold"] == best.iloc[0]
    for fold, model in models.items():
        model.provenance["cv"] = table.to_dict(orient="records")
        model.provenance["fold"] = fold
    return models, table

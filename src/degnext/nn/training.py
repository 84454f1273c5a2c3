"""Fast training of DEGnext: one stage (first level or fine-tune) over one or several cohorts.

Speed comes from doing no per-sample Python work: the whole matrix is one tensor (padded once,
moved to the device once), each epoch draws one seeded permutation and slices batches out of it,
the loss is summed on the device and read back once per epoch, and the network runs in the
channels-last layout (same math, faster oneDNN/cuDNN kernels). None of these changes the math:
in the default layout (``memory_format="contiguous"``) the weights equal a plain DataLoader loop's
bit for bit; channels-last sums the convolutions in another order, so a short fixed-seed run gives
the same loss curve to float rounding, which Adam amplifies over long runs (tests/nn/test_training.py
checks both). Optional bf16 autocast trades precision for speed and is off by default.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from degnext.errors import DEGnextInputError
from degnext.nn.device import prepare, resolve_device, to_device
from degnext.nn.inference import check_rows
from degnext.nn.model import DEGnext
from degnext.nn.progress import Progress

LossName = Literal["cross_entropy", "bce"]
AMP_DTYPES = {"bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
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


def _check_labels(model: DEGnext, X: np.ndarray, y: np.ndarray) -> None:
    """Rows as inference takes them, and one label of this head per row."""
    check_rows(X)
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
        _check_labels(model, np.asarray(X), y)
    if input_noise_std < 0:
        raise DEGnextInputError(f"parameter input_noise_std must be >= 0, got {input_noise_std}")
    dev = resolve_device(device)
    loss_fn = _loss_fn(model, loss)
    autocast = _autocast(dev, amp_dtype)
    gen = torch.Generator().manual_seed(seed)
    tensors = [_training_tensors(model, X, y, input_noise_std, gen, dev) for X, y in datasets]

    prepare(model, dev, memory_format).train()
    opt = torch.optim.Adam(
        model.parameters(),
        lr=params.lr,
        betas=params.betas,
        eps=params.eps,
        weight_decay=params.weight_decay,
    )
    bs = int(params.batch_size)
    records: list[dict] = []
    progress = Progress(
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
    return to_device(xt.contiguous(), dev), to_device(yt, dev)


def stage_params(params: dict, stage: str) -> StageParams:
    """Typed settings of one stage (``first_level`` or ``fine_tune``) of a pipeline's parameters."""
    settings = dict(params[stage])
    settings["betas"] = tuple(settings["betas"])
    return StageParams(**settings)


def run_options(params: dict) -> dict:
    """The settings every stage of a pipeline shares: seed, device, input noise, autocast dtype."""
    return {
        "seed": params["seed"],
        "device": params["device"],
        "input_noise_std": params["input_noise_std"],
        "amp_dtype": params.get("amp_dtype"),
    }


def train_stage(
    model: DEGnext,
    datasets: list[tuple[np.ndarray, np.ndarray]],
    params: dict,
    stage: str,
    cohorts: list[str],
    label: str | None = None,
) -> pd.DataFrame:
    """Train ``model`` in place on the cohorts' datasets in turn with the settings of ``stage``.

    ``label`` (default: ``stage``) is how the progress lines and the provenance call the stage.
    """
    return fit_sequential(
        model,
        datasets,
        stage_params(params, stage),
        **run_options(params),
        stage=label or stage,
        cohorts=cohorts,
    )


def fine_tuned(
    first_level_model: DEGnext,
    datasets: list[tuple[np.ndarray, np.ndarray]],
    params: dict,
    cohorts: list[str],
    label: str = "fine_tune",
) -> tuple[DEGnext, pd.DataFrame]:
    """A copy of the first-level model with the binary head, trained on the cohorts' F1 rows."""
    model = copy.deepcopy(first_level_model).swap_to_binary_head(seed=params["seed"])
    return model, train_stage(model, datasets, params, "fine_tune", cohorts, label)

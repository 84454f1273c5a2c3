"""The DEGnext network (Kakati et al. 2022, Fig. 2), one readable file.

Architecture at a glance (parameter names = the authors' state_dict names)::

    gene row x (length n) -> zero-pad to rows*cols -> 1 x rows x cols grid  (see reshape_dims)
    ConvLayer1  Conv2d(1, 6)    Conv2d(6, 12)                ReLU
    ConvLayer2  Conv2d(12, 24)  Conv2d(24, 48)               ReLU
    ConvLayer3  Conv2d(48, 64)  Conv2d(64, 102)              ReLU
    ConvLayer4  Conv2d(102, 164) Conv2d(164, 256) MaxPool2d(2) ReLU     (all convs 3x3, stride 1, pad 1)
    global_pool AdaptiveMaxPool2d((1, 1)) -> flatten to 256       (so any n fits)
    Lin1..Lin4  Linear+ReLU  256 -> 120 -> 64 -> 32 -> 8
    Lin5        3-class: Linear(8, 3) + ReLU  (as released)  | binary: Linear(8, 1), no ReLU

What the release did with the output, and what we do:
- 3-class: the release's Lin5 ends in a ReLU and its forward then applied Softmax, and its
  CrossEntropyLoss was fed those probabilities (a second softmax inside the loss). We keep the ReLU
  (it is part of the trained parameterisation) but return the Lin5 output as logits for
  CrossEntropyLoss, which applies log-softmax itself; `predict` applies the softmax.
  `ModelConfig(softmax_output=True)` restores the release's extra Softmax in forward.
- binary (fine-tune / transfer): Lin5 = plain Linear(8, 1) and no Softmax, trained with
  BCEWithLogitsLoss, exactly as released; forward returns an (N,) logit.
"""

from __future__ import annotations

import functools
import json
import math
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from degnext.errors import DEGnextInputError

CONV_CHANNELS = ((1, 6, 12), (12, 24, 48), (48, 64, 102), (102, 164, 256))
LINEAR_WIDTHS = (256, 120, 64, 32, 8)
MIN_SIDE = 2  # MaxPool2d(2) needs a grid of at least 2 x 2


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, math.isqrt(n) + 1))


@functools.cache
def reshape_dims(n: int) -> tuple[int, int, int]:
    """Grid (rows, cols) for a gene row of length n, and the number of zero columns appended.

    The authors' rule: a = the largest divisor of m that is <= floor(sqrt(m)), grid (m / a, a),
    row-major like np.reshape; m = n, or n + 1 when n is prime (one zero column first, so that a
    prime length does not become an n x 1 strip). Our extension: the release cannot run n = 1 or
    n = 2 (its grids 2x1 / 3x1 are too thin for MaxPool2d(2)), so lengths below 4 are zero-padded
    to a 2 x 2 grid. For every n >= 3 the result is the authors' grid.
    """
    if n < 1:
        raise DEGnextInputError(f"n_inputs must be >= 1 (samples per gene row), got {n}")
    m = n + 1 if _is_prime(n) else n
    m = max(m, MIN_SIDE * MIN_SIDE)
    a = next(d for d in range(math.isqrt(m), 0, -1) if m % d == 0)
    return m // a, a, m - n


def _init_(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default Conv2d/Linear init, drawn from `generator` so a seed fixes the weights."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            fan_in = layer.weight[0].numel()
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def _conv_pair(c_in: int, c_mid: int, c_out: int, *, pool: bool) -> nn.Sequential:
    tail = [nn.MaxPool2d(2), nn.ReLU()] if pool else [nn.ReLU()]
    return nn.Sequential(
        nn.Conv2d(c_in, c_mid, kernel_size=3, stride=1, padding=1),
        nn.Conv2d(c_mid, c_out, kernel_size=3, stride=1, padding=1),
        *tail,
    )


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network before loading a state_dict."""

    n_inputs: int
    n_outputs: int = 3
    softmax_output: bool = False


class DEGnext(nn.Module):
    """CNN that classifies a gene's expression row as DR (0) / UR (1) / neutral (2), or UR vs DR."""

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int = 3,
        *,
        softmax_output: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if n_outputs not in (1, 3):
            raise DEGnextInputError(
                f"n_outputs must be 3 (DR/UR/neutral) or 1 (binary), got {n_outputs}"
            )
        self.config = ModelConfig(n_inputs, n_outputs, softmax_output)
        self.provenance: dict[str, Any] = {}
        # Where this in-memory model was read from (CheckpointDataset.load sets "filepath" and
        # "version"); not saved with the weights, so a new checkpoint never inherits it.
        self.loaded_from: dict[str, str | None] = {}
        self.rows, self.cols, self.pad = reshape_dims(n_inputs)
        self.ConvLayer1 = _conv_pair(*CONV_CHANNELS[0], pool=False)
        self.ConvLayer2 = _conv_pair(*CONV_CHANNELS[1], pool=False)
        self.ConvLayer3 = _conv_pair(*CONV_CHANNELS[2], pool=False)
        self.ConvLayer4 = _conv_pair(*CONV_CHANNELS[3], pool=True)
        self.global_pool = nn.AdaptiveMaxPool2d((1, 1))
        w = LINEAR_WIDTHS
        self.Lin1 = nn.Sequential(nn.Linear(w[0], w[1]), nn.ReLU())
        self.Lin2 = nn.Sequential(nn.Linear(w[1], w[2]), nn.ReLU())
        self.Lin3 = nn.Sequential(nn.Linear(w[2], w[3]), nn.ReLU())
        self.Lin4 = nn.Sequential(nn.Linear(w[3], w[4]), nn.ReLU())
        self.Lin5: nn.Module = (
            nn.Sequential(nn.Linear(w[4], 3), nn.ReLU()) if n_outputs == 3 else nn.Linear(w[4], 1)
        )
        if seed is not None:
            _init_(self, torch.Generator().manual_seed(seed))

    @property
    def is_binary(self) -> bool:
        return self.config.n_outputs == 1

    def pad_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """(N, n) rows -> (N, rows*cols) with the zero columns that n's grid needs appended.

        Any n works, not only ``config.n_inputs``: transfer learning feeds cohorts with different
        sample counts through one network. A row already padded by the rule passes through,
        since a prime n and its padded n + 1 share one grid.
        """
        if x.ndim != 2 or x.shape[1] < 1:
            raise DEGnextInputError(
                f"DEGnext input must be (genes, samples) expression rows, got shape {tuple(x.shape)}"
            )
        pad = reshape_dims(x.shape[1])[2]
        return nn.functional.pad(x, (0, pad)) if pad else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, n) or already padded (N, rows*cols) float rows -> (N, 3) logits or (N,) logit."""
        x = self.pad_inputs(x)
        rows, cols, _ = reshape_dims(x.shape[1])
        x = x.reshape(-1, 1, rows, cols)
        x = self.ConvLayer4(self.ConvLayer3(self.ConvLayer2(self.ConvLayer1(x))))
        x = self.global_pool(x).flatten(1)
        x = self.Lin5(self.Lin4(self.Lin3(self.Lin2(self.Lin1(x)))))
        if self.is_binary:
            return x.squeeze(1)
        return x.softmax(dim=1) if self.config.softmax_output else x

    def swap_to_binary_head(self, seed: int | None = None) -> DEGnext:
        """Fine-tune head: Lin5 becomes a fresh plain Linear(8, 1); the trunk weights are kept."""
        head = nn.Linear(LINEAR_WIDTHS[-1], 1)
        if seed is not None:
            _init_(head, torch.Generator().manual_seed(seed))
        first = next(self.parameters())
        self.Lin5 = head.to(device=first.device, dtype=first.dtype)
        self.config = ModelConfig(self.config.n_inputs, 1, self.config.softmax_output)
        return self


@dataclass
class Checkpoint:
    """Plain-data form of a model, what the checkpoint dataset stores."""

    config: dict[str, Any]
    state_dict: dict[str, torch.Tensor]
    provenance: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """numpy/torch scalars -> Python scalars, so a checkpoint loads with weights_only=True."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"provenance value of type {type(value).__name__} is not serialisable")


def to_checkpoint(model: DEGnext) -> Checkpoint:
    """CPU copy of weights + config + provenance (as plain JSON types), independent of the model."""
    state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    provenance = json.loads(json.dumps(model.provenance, default=_plain))
    return Checkpoint(asdict(model.config), state, provenance)


def from_checkpoint(ckpt: Checkpoint) -> DEGnext:
    """Rebuild the network from its config and load the weights strictly."""
    cfg = ckpt.config
    model = DEGnext(
        int(cfg["n_inputs"]), int(cfg["n_outputs"]), softmax_output=bool(cfg.get("softmax_output"))
    )
    model.load_state_dict(ckpt.state_dict, strict=True)
    model.provenance = dict(ckpt.provenance)
    return model


def from_published(
    state: dict[str, torch.Tensor], n_inputs: int, where: str = "the state_dict"
) -> DEGnext:
    """The authors' network from a bare state_dict; the head (binary or 3-class) from its keys.

    ``n_inputs`` is the nominal row length recorded in the config; any length fits the network.
    """
    n_outputs = 1 if "Lin5.weight" in state else 3
    model = DEGnext(n_inputs, n_outputs)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise DEGnextInputError(f"{where} does not fit the DEGnext network: {err}") from err
    model.provenance = {"source": "published state_dict"}
    return model.eval()


def load_tensors(source: Any, where: str, **load_args: Any) -> Any:
    """torch.load limited to tensors and plain containers (``weights_only=True``), on CPU.

    A file that asks to build any other object (a pickle payload that would run code) is refused
    before anything in it runs, with a message naming the file rather than torch's advice to
    load it unsafely. ``load_args`` go to torch.load (``map_location`` defaults to CPU).
    """
    if not load_args.pop("weights_only", True):
        raise DEGnextInputError(
            f"{where}: weights_only=False is refused, it would let the file run code"
        )
    try:
        return torch.load(source, **{"map_location": "cpu", **load_args}, weights_only=True)
    except pickle.UnpicklingError as err:
        raise DEGnextInputError(
            f"{where} is not a plain weights file (it holds objects other than tensors and "
            "plain containers, possibly code); refused, nothing in it was run"
        ) from err


def load_published(path: str | Path, n_inputs: int) -> DEGnext:
    """The authors' released transfer model (a bare state_dict with the binary head)."""
    try:
        state = load_tensors(Path(path), f"published weights {path}")
    except FileNotFoundError as err:
        raise DEGnextInputError(f"published DEGnext weights not found: {path}") from err
    model = from_published(state, n_inputs, f"published weights {path}")
    model.provenance["path"] = str(path)
    return model

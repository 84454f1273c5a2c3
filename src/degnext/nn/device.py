"""Where the network runs: the device, host-to-device copies, the CPU thread count, the layout."""

from __future__ import annotations

import os

import torch

from degnext.errors import DEGnextInputError
from degnext.nn.model import DEGnext

MEMORY_FORMATS = {"channels_last": torch.channels_last, "contiguous": torch.contiguous_format}


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


def to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def _limit_threads() -> None:
    """No more intra-op threads than CPUs this process may use (containers often report more)."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if allowed and torch.get_num_threads() > allowed:
        torch.set_num_threads(allowed)


def prepare(model: DEGnext, device: torch.device, memory_format: str = "channels_last") -> DEGnext:
    if memory_format not in MEMORY_FORMATS:
        raise DEGnextInputError(
            f"parameter memory_format must be one of {sorted(MEMORY_FORMATS)}, got {memory_format!r}"
        )
    if device.type == "cpu":
        _limit_threads()
    return model.to(device=device, memory_format=MEMORY_FORMATS[memory_format])

"""Progress lines of a training stage: epoch i/n, loss, genes per second and an ETA."""

from __future__ import annotations

import logging
import time

import torch

logger = logging.getLogger("degnext.nn.training")


class Progress:
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
            duration(eta_s),
            extra={"progress": {"epoch": epoch, "loss": loss, "genes_per_s": rate, "eta_s": eta_s}},
        )


def duration(seconds: float) -> str:
    """'42 s', '3 min 05 s' or '1 h 02 min': an ETA one can read at a glance."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"

"""Peak memory of first-level training on a TCGA-BRCA-sized cohort (6,514 genes x 1,215 samples).

    python benchmarks/bench_memory.py [--epochs 3] [--genes 6514] [--samples 1215]
                                      [--batch-size 256] [--device cpu] [--output FILE]

The matrix is seeded random float32 data of the size issue 7 gives for TCGA-BRCA after filtering
(1,215 samples = 113 normal + 1,102 tumor, paper Table 6) with seeded 3-class labels; a 3-class
(first-level) DEGnext trains on it with `degnext.nn.training.fit`, the loop of the CNN pipelines
(Table 7's first level: batch 256, Adam, lr 1e-4). The peak resident set size (ru_maxrss), the
RSS and the memory in use (RSS after malloc_trim) are read after the imports, after the matrix is
built and at the end of every epoch, from the training's own per-epoch log record, so the loop
runs untouched.
Bounded means: from the first epoch's end to the last one, the memory in use grows by less than
one matrix, where keeping a copy of the data per epoch would add one matrix per epoch.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import os
import platform
import resource
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from bench_common import cpu_model

from degnext.nn.device import resolve_device
from degnext.nn.model import DEGnext
from degnext.nn.training import StageParams, fit

PROJECT = Path(__file__).resolve().parents[1]
GIB = 2**30


def rss_gib() -> float:
    """Current resident set size (Linux /proc), NaN where there is no /proc."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / GIB
    return float("nan")


def live_gib() -> float:
    """RSS once glibc has handed its free heap pages back (malloc_trim): the memory in use.

    Plain RSS swings by tens of MiB with where the allocator left freed activations, which hides
    a leak of one matrix per epoch; after the trim it moves only with live allocations.
    """
    libc = ctypes.util.find_library("c")
    if libc and hasattr(ctypes.CDLL(libc), "malloc_trim"):
        ctypes.CDLL(libc).malloc_trim(0)
    return rss_gib()


def peak_rss_gib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


def memory() -> dict:
    """Peak and current RSS first, then the memory in use (the trim lowers RSS)."""
    peak, rss = peak_rss_gib(), rss_gib()
    return {"peak": peak, "rss": rss, "live": live_gib()}


class EpochProbe(logging.Handler):
    """Reads the memory at each per-epoch progress record of degnext.nn.training (log_every_s=0)."""

    def __init__(self, start: float) -> None:
        super().__init__(level=logging.INFO)
        self.start = start
        self.rows: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not hasattr(record, "progress"):
            return
        epoch, loss, rate = (record.progress[key] for key in ("epoch", "loss", "genes_per_s"))
        self.rows.append(
            {
                "point": f"epoch {epoch}",
                **memory(),
                "loss": loss,
                "genes_per_s": rate,
                "elapsed": time.perf_counter() - self.start,
            }
        )
        row = self.rows[-1]
        print(
            f"epoch {epoch}: loss {loss:.4f}, {rate:.0f} genes/s, in use {row['live']:.3f} GiB, "
            f"RSS {row['rss']:.2f} GiB, peak {row['peak']:.2f} GiB",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="at least 2")
    parser.add_argument("--genes", type=int, default=6514)
    parser.add_argument("--samples", type=int, default=1215)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--output", type=Path, default=PROJECT / "benchmarks/RESULTS_memory.md")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the verdict compares epochs")
    device = resolve_device(args.device)
    points = [{"point": "after imports", **memory()}]

    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.genes, args.samples), dtype=np.float32)
    y = rng.integers(0, 3, args.genes)
    points.append({"point": "matrix built", **memory()})
    print(
        f"matrix {args.genes} x {args.samples} float32 = {X.nbytes / 2**20:.1f} MiB; "
        f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads",
        flush=True,
    )

    probe = EpochProbe(time.perf_counter())
    training_log = logging.getLogger("degnext.nn.training")
    training_log.setLevel(logging.INFO)
    training_log.addHandler(probe)
    model = DEGnext(args.samples, 3, seed=args.seed)
    params = StageParams(epochs=args.epochs, batch_size=args.batch_size)
    fit(model, X, y, params, seed=args.seed, device=str(device), log_every_s=0, stage="first_level")
    training_log.removeHandler(probe)
    points += probe.rows

    first, last = probe.rows[0], probe.rows[-1]
    growth = last["live"] - first["live"]
    bounded = growth < X.nbytes / GIB
    verdict = (
        f"peak RSS {last['peak']:.2f} GiB (after epoch 1: {first['peak']:.2f}); memory in use "
        f"grew by {growth * 1024:.1f} MiB from epoch 1 to epoch {args.epochs} (bound: one "
        f"matrix, {X.nbytes / 2**20:.1f} MiB): {'bounded' if bounded else 'GROWS'}"
    )
    print(verdict)
    write_results(args, device, X, points, verdict)
    if not bounded:
        sys.exit(1)


def write_results(
    args: argparse.Namespace,
    device: torch.device,
    X: np.ndarray,
    points: list[dict],
    verdict: str,
) -> None:
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    lines = [
        "# Memory of first-level training, TCGA-BRCA size (benchmarks/bench_memory.py)",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC).",
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / GIB:.0f} GiB, "
        f"Python {platform.python_version()}, torch {torch.__version__} on {device} "
        f"({torch.get_num_threads()} threads).",
        f"Data: seeded random float32, {args.genes} genes x {args.samples} samples "
        f"({X.nbytes / 2**20:.1f} MiB), 3 classes; `degnext.nn.training.fit`, batch "
        f"{args.batch_size}, {args.epochs} epoch(s), seed {args.seed}.",
        "",
        "| point | peak RSS (GiB) | RSS (GiB) | in use (GiB) | loss | genes/s | elapsed (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        extra = (
            f"{p['loss']:.4f} | {p['genes_per_s']:.0f} | {p['elapsed']:.0f}"
            if "loss" in p
            else " | | "
        )
        lines.append(
            f"| {p['point']} | {p['peak']:.3f} | {p['rss']:.3f} | {p['live']:.3f} | {extra} |"
        )
    lines += ["", f"Verdict: {verdict}."]
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

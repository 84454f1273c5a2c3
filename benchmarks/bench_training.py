"""Training/inference throughput of degnext.nn.training vs the authors' loop and a bare loop.

    python benchmarks/bench_training.py [--repeats 3] [--epochs 1] [--device cpu]

Shapes: CHOL T1 (4772 x 45) and BLCA T2 (1252 x 433), read from the authors' release files in
../shared/data/degnext_release/datasets when present, else random data of those shapes.
Cases: first-level training (batch 256, 3-class), fine-tuning (batch 64, binary), inference.
"bare" is the least a PyTorch loop can do: a preloaded (N, 1, rows, cols) tensor, a randperm per
epoch, forward + loss + backward + Adam step, nothing else. Each number is the best of
`--repeats` timed runs (after one warm-up), because the machine is shared.
The authors' first-level rates (671 and 63 genes/s) were measured on this project's 2-core machine
(DEGNEXT_METHOD.md); they have no published fine-tune or inference rates.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from degnext.nn.device import resolve_device
from degnext.nn.inference import predict
from degnext.nn.model import DEGnext
from degnext.nn.training import StageParams, fit

RELEASE = Path(__file__).resolve().parents[1].parent / "shared/data/degnext_release/datasets"
COHORTS = {  # name: (matrix file, label file, shape, authors' first-level genes/s)
    "CHOL T1": (
        "TCGA-CHOL_non_bio_train.csv",
        "TCGA-CHOL_non_bio_train_label.txt",
        (4772, 45),
        671,
    ),
    "BLCA T2": ("TCGA-BLCA_non_bio_test.csv", "TCGA-BLCA_non_bio_test_label.txt", (1252, 433), 63),
}


def load_cohort(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    matrix, labels, shape, _ = COHORTS[name]
    if (RELEASE / matrix).exists():
        X = np.loadtxt(RELEASE / matrix, delimiter=",", dtype=np.float32)
        y = np.loadtxt(RELEASE / labels).astype(np.int64)
        return X, y, "release files"
    rng = np.random.default_rng(0)
    return rng.gamma(2.0, 800.0, shape).astype(np.float32), rng.integers(0, 3, shape[0]), "random"


def best_rate(run: Callable[[], None], n_genes: int, repeats: int) -> float:
    """Genes per second of the fastest of `repeats` timed runs, after one warm-up."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return n_genes / min(times)


def bare_train(model: DEGnext, X: np.ndarray, y: np.ndarray, bs: int, epochs: int, dev, amp):
    """Preloaded 4-D tensor, one randperm per epoch, forward/backward/step only."""
    x4 = model.pad_inputs(torch.from_numpy(X)).reshape(-1, 1, model.rows, model.cols).to(dev)
    yt = torch.from_numpy(y.astype(np.float32) if model.is_binary else y).to(dev)
    loss_fn = torch.nn.BCEWithLogitsLoss() if model.is_binary else torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    body = torch.nn.Sequential(*[getattr(model, f"ConvLayer{i}") for i in range(1, 5)])
    head = torch.nn.Sequential(*[getattr(model, f"Lin{i}") for i in range(1, 6)])

    def run() -> None:
        for _ in range(epochs):
            perm = torch.randperm(len(yt), device=dev)
            for i in range(0, len(yt), bs):
                idx = perm[i : i + bs]
                with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
                    out = head(model.global_pool(body(x4[idx])).flatten(1))
                out = out.float().squeeze(1) if model.is_binary else out.float()
                loss = loss_fn(out, yt[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

    return run


def bare_infer(model: DEGnext, X: np.ndarray, dev) -> Callable[[], None]:
    model = model.to(dev, memory_format=torch.channels_last).eval()
    x4 = model.pad_inputs(torch.from_numpy(X)).reshape(-1, 1, model.rows, model.cols).to(dev)

    def run() -> None:
        with torch.inference_mode():
            for i in range(0, len(x4), 4096):
                model(x4[i : i + 4096].flatten(1))

    return run


def bench_cohort(name: str, args: argparse.Namespace, dev) -> list[str]:
    X, y, source = load_cohort(name)
    n, authors = X.shape[0], COHORTS[name][3]
    rows = [f"\n### {name}: {X.shape[0]} genes x {X.shape[1]} samples ({source})\n"]
    rows.append("| stage | loop | genes/s | vs authors | vs bare (same layout/precision) |")
    rows.append("|---|---|---:|---:|---:|")
    stages = [("first level, batch 256", 3, 256, y), ("fine-tune, batch 64", 1, 64, (y == 1) * 1)]
    for stage, n_out, bs, labels in stages:
        params = StageParams(epochs=args.epochs, batch_size=bs)
        ref = {}
        for label, layout, amp in [
            ("bare, default layout, fp32", torch.contiguous_format, False),
            ("bare, channels-last, fp32", torch.channels_last, False),
            ("bare, channels-last, bf16", torch.channels_last, True),
        ]:
            model = DEGnext(X.shape[1], n_out, seed=0).to(dev, memory_format=layout)
            run = bare_train(model, X, labels, bs, args.epochs, dev, amp)
            ref[label] = best_rate(run, n * args.epochs, args.repeats)
        for label, amp_dtype, bare in [
            ("degnext fit, fp32", None, "bare, channels-last, fp32"),
            ("degnext fit, bf16 autocast", "bfloat16", "bare, channels-last, bf16"),
        ]:
            model = DEGnext(X.shape[1], n_out, seed=0)

            def run(model=model, labels=labels, params=params, amp_dtype=amp_dtype) -> None:
                fit(model, X, labels, params, seed=0, device=str(dev), amp_dtype=amp_dtype)

            rate = best_rate(run, n * args.epochs, args.repeats)
            vs_authors = f"{rate / authors:.2f}x" if n_out == 3 else "n/a"
            rows.append(
                f"| {stage} | {label} | {rate:.0f} | {vs_authors} | {rate / ref[bare]:.2f} |"
            )
        for label, rate in ref.items():
            vs_authors = f"{rate / authors:.2f}x" if n_out == 3 else "n/a"
            rows.append(f"| {stage} | {label} | {rate:.0f} | {vs_authors} | |")
    model = DEGnext(X.shape[1], 3, seed=0)
    rate = best_rate(lambda: predict(model, X, device=str(dev)), n, args.repeats)
    bare = best_rate(bare_infer(model, X, dev), n, args.repeats)
    rows.append(
        f"| inference, batch 4096 | degnext predict, fp32 | {rate:.0f} | n/a | {rate / bare:.2f} |"
    )
    rows.append(
        f"| inference, batch 4096 | bare forward, channels-last, fp32 | {bare:.0f} | n/a | |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1, help="epochs per timed run")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--cohorts", nargs="+", default=list(COHORTS), choices=list(COHORTS))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    dev = resolve_device(args.device)
    cpu = platform.processor() or platform.machine()
    print(
        f"torch {torch.__version__}, device {dev}, {os.cpu_count()} CPUs ({cpu}), "
        f"{torch.get_num_threads()} torch threads, best of {args.repeats} x {args.epochs} epoch(s)"
    )
    for name in args.cohorts:
        print("\n".join(bench_cohort(name, args, dev)), flush=True)


if __name__ == "__main__":
    main()

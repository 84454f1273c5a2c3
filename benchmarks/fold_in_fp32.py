"""One fold of a bf16 release run retrained in fp32: first level and fine-tune, scored on F1 and T3.

Run, after `kedro run --env release --pipelines ingestion,cnn_general --namespaces <C>
--params cnn_general.amp_dtype=bfloat16`, with the cohort and the fold to check:

    python benchmarks/fold_in_fp32.py BLCA 2

Trains the fold's 3-class first level with `cross_validate`'s own `train_fold` (same seeded
initial weights, every T1 fold but this one, Table 7 settings from conf/release) with the default fp32,
fine-tunes it on F1 with the pipeline's own node and prints F1 and T3 accuracy, ROC AUC and how
many genes are called UR: set beside the bf16 run's fold, it tells precision from data.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
from bench_common import PROJECT, release_parameters

from degnext.data.splits import gene_rows
from degnext.evaluation.metrics import score_predictions
from degnext.nn import training
from degnext.nn.cross_validation import train_fold
from degnext.nn.inference import predict_genes
from degnext.pipelines.cnn_general.nodes import fine_tune

ROOT = PROJECT / "data" / "release"  # data_root of conf/release


def main(cohort: str, fold: int) -> None:
    params = {**release_parameters("cnn_general"), "device": "cpu", "amp_dtype": None}
    expression = pd.read_parquet(ROOT / "04_feature" / cohort / "expression.parquet")
    splits = pd.read_parquet(ROOT / "05_model_input" / cohort / "splits.parquet")
    features, labels, rows = gene_rows(expression, splits, ("T1",), cohort)
    start = time.perf_counter()
    first_level = train_fold(
        features,
        labels,
        rows["fold"].to_numpy() == fold,
        training.stage_params(params, "first_level"),
        **training.run_options(params),
        stage=f"first_level fold {fold}",
        cohorts=[cohort],
    )
    model, history = fine_tune(first_level.eval(), expression, splits, params, cohort)
    for split in ("F1", "T3"):
        split_features, _, split_rows = gene_rows(expression, splits, (split,), cohort)
        predictions = predict_genes(model, split_features, split_rows, "cpu")
        scores = score_predictions(predictions, params["metrics"])
        print(
            f"{cohort} fold {fold} fp32 {split}: accuracy {scores['accuracy']:.2f}, "
            f"ROC AUC {scores['roc_auc']:.3f}, called UR {int(predictions['predicted'].sum())} "
            f"of {len(predictions)}"
        )
    print(f"final F1 loss {history['loss'].iloc[-1]:.3f}; {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

"""Why do some fold models leave fine-tuning calling every gene DR? (ESCA on the release)

Run, after `kedro run --env release --pipelines ingestion,cnn_general --namespaces ESCA`:

    python benchmarks/fine_tune_study.py ESCA data/release

Fine-tunes every saved first-level fold model of the cohort on its F1 with Table 7's settings
(31 epochs, batch 64, Adam 1e-4, the run's seed) three ways and scores each on T3 (clean):
- table7: as the pipeline does (every F1 row once per epoch, no noise);
- input_noise: N(0, 1) added once to the F1 inputs, as the release code did at load time;
- balanced: each epoch draws as many F1 rows with replacement, UR and DR equally likely
  (`sampling: balanced`, an option that is off by default).
Prints one row per (fold, variant): F1 loss and accuracy after fine-tuning, how many T3 genes
are called UR, T3 accuracy and ROC AUC.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from bench_common import markdown, release_parameters

from degnext.data.splits import gene_rows
from degnext.datasets import CheckpointDataset
from degnext.evaluation.metrics import score_predictions
from degnext.nn.inference import predict_genes
from degnext.pipelines.cnn_general.nodes import fine_tune

VARIANTS = {
    "table7": {"input_noise_std": 0.0, "sampling": "uniform"},
    "input_noise": {"input_noise_std": 1.0, "sampling": "uniform"},
    "balanced": {"input_noise_std": 0.0, "sampling": "balanced"},
}


def variant_params(settings: dict, variant: dict) -> dict:
    """The run's cnn_general parameters with one variant's noise and sampling, on the CPU."""
    fine_tune_stage = {**settings["fine_tune"], "sampling": variant["sampling"]}
    return {
        **settings,
        "device": "cpu",
        "input_noise_std": variant["input_noise_std"],
        "fine_tune": fine_tune_stage,
    }


def study(cohort: str, root: Path) -> pd.DataFrame:
    """Each fold model fine-tuned by the pipeline's own node, once per variant, then scored."""
    settings = release_parameters("cnn_general")
    expression = pd.read_parquet(root / "04_feature" / cohort / "expression.parquet")
    splits = pd.read_parquet(root / "05_model_input" / cohort / "splits.parquet")
    sets = {name: gene_rows(expression, splits, (name,), cohort) for name in ("F1", "T3")}
    rows = []
    for path in sorted((root / "06_models" / cohort / "first_level_folds").glob("fold_*.pt")):
        first_level = CheckpointDataset(filepath=str(path)).load()
        for name, variant in VARIANTS.items():
            params = variant_params(settings, variant)
            model, history = fine_tune(first_level, expression, splits, params, cohort)
            scores = {}
            for split, (features, _, split_rows) in sets.items():
                predictions = predict_genes(model, features, split_rows, "cpu")
                scores[split] = (score_predictions(predictions, params["metrics"]), predictions)
            t3, t3_predictions = scores["T3"]
            rows.append(
                {
                    "fold": path.stem,
                    "variant": name,
                    "F1_final_loss": float(history["loss"].iloc[-1]),
                    "F1_accuracy": scores["F1"][0]["accuracy"],
                    "T3_called_UR": f"{int(t3_predictions['predicted'].sum())}/{len(t3_predictions)}",
                    "T3_accuracy": t3["accuracy"],
                    "T3_roc_auc": t3["roc_auc"],
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort")
    parser.add_argument("root", type=Path, help="the run's data root, e.g. data/release")
    args = parser.parse_args()
    table = study(args.cohort, args.root)
    print(markdown(table))
    means = table.groupby("variant", sort=False)["T3_accuracy"].mean().reset_index()
    print("\nFold mean of T3 accuracy per variant:\n")
    print(markdown(means))


if __name__ == "__main__":
    main()

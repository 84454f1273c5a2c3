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
import copy
from pathlib import Path

import numpy as np
import pandas as pd
from bench_common import PROJECT, markdown
from kedro.config import OmegaConfigLoader

from degnext.datasets import CheckpointDataset
from degnext.gene_rows import gene_rows
from degnext.metrics import binary_metrics
from degnext.model import DEGnext
from degnext.training import StageParams, fit, predict

VARIANTS = {
    "table7": {"input_noise_std": 0.0, "sampling": "uniform"},
    "input_noise": {"input_noise_std": 1.0, "sampling": "uniform"},
    "balanced": {"input_noise_std": 0.0, "sampling": "balanced"},
}


def fine_tuned(
    first_level: DEGnext, X: np.ndarray, y: np.ndarray, settings: dict, variant: dict
) -> DEGnext:
    """The pipeline's fine-tune (binary head seeded like the run's), with one variant's options."""
    model = copy.deepcopy(first_level).swap_to_binary_head(seed=settings["seed"])
    stage = StageParams(**{**settings["fine_tune"], "sampling": variant["sampling"]})
    fit(
        model,
        X,
        y,
        stage,
        seed=settings["seed"],
        device="cpu",
        input_noise_std=variant["input_noise_std"],
        stage="fine_tune",
    )
    return model


def study(cohort: str, root: Path) -> pd.DataFrame:
    settings = OmegaConfigLoader(str(PROJECT / "conf"), env="release")["parameters"]["cnn_general"]
    expression = pd.read_parquet(root / "04_feature" / cohort / "expression.parquet")
    splits = pd.read_parquet(root / "05_model_input" / cohort / "splits.parquet")
    f1_X, f1_y, _ = gene_rows(expression, splits, ("F1",), cohort)
    t3_X, t3_y, _ = gene_rows(expression, splits, ("T3",), cohort)
    rows = []
    for path in sorted((root / "06_models" / cohort / "first_level_folds").glob("fold_*.pt")):
        first_level = CheckpointDataset(filepath=str(path)).load()
        for name, variant in VARIANTS.items():
            model = fine_tuned(first_level, f1_X, f1_y, settings, variant)
            f1 = binary_metrics(f1_y, predict(model, f1_X, device="cpu"))
            p_t3 = predict(model, t3_X, device="cpu")
            t3 = binary_metrics(t3_y, p_t3)
            rows.append(
                {
                    "fold": path.stem,
                    "variant": name,
                    "F1_final_loss": model.provenance["stages"][-1]["final_loss"],
                    "F1_accuracy": f1["accuracy"],
                    "T3_called_UR": f"{int((p_t3 >= 0.5).sum())}/{len(t3_y)}",
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

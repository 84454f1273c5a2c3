"""Fit the synthetic cohort generator's parameters on the authors' released TCGA matrices.

Prints a YAML block for ``conf/base/parameters_ingestion.yml`` (``synthetic.calibration``).
Only summary numbers leave this script, never data. Run from the project root:

    python scripts/calibrate_synthetic.py ../shared/data/degnext_release
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = (
    Path(__file__).resolve().parents[1].parent / "shared/data/paper_tables/table6_dataset_sizes.csv"
)


def _labels(path: Path) -> np.ndarray:
    return np.loadtxt(path, dtype=int)


def cohort_summary(root: Path, cancer: str, n_normal: int) -> dict:
    """Mean-dispersion, expression level and fold-change summaries of one released T2 matrix."""
    matrix = pd.read_csv(root / f"datasets/TCGA-{cancer}_non_bio_test.csv", header=None).to_numpy(
        float
    )
    labels = _labels(root / f"datasets/TCGA-{cancer}_non_bio_test_label.txt")
    normal, tumor = matrix[:, :n_normal], matrix[:, n_normal:]
    mean, var = normal.mean(axis=1), normal.var(axis=1, ddof=1)
    keep = mean > 1
    dispersion = (var[keep] - mean[keep]) / mean[keep] ** 2
    # Fit dispersion = phi0 + phi1 / mean by least squares on per-gene moment estimates.
    design = np.column_stack([np.ones(keep.sum()), 1 / mean[keep]])
    phi0, phi1 = np.linalg.lstsq(design, dispersion, rcond=None)[0]
    lfc = np.log2((tumor.mean(axis=1) + 1) / (normal.mean(axis=1) + 1))
    de = labels != 2
    log_lib = np.log(matrix.sum(axis=0))
    return {
        "phi0": phi0,
        "phi1": phi1,
        "log_mean_mu": np.log(mean[keep]).mean(),
        "log_mean_sd": np.log(mean[keep]).std(),
        "abs_log2fc_de_median": np.median(np.abs(lfc[de])),
        "abs_log2fc_de_log_sd": np.log(np.abs(lfc[de]) + 1e-3).std(),
        "up_fraction": (labels[de] == 1).mean(),
        "library_log_sd": log_lib.std(),
    }


def main(root: Path) -> None:
    sizes = pd.read_csv(SIZES)
    rows = []
    for record in sizes.itertuples():
        if (root / f"datasets/TCGA-{record.dataset}_non_bio_test.csv").exists():
            rows.append(cohort_summary(root, record.dataset, record.normal_samples))
    summary = pd.DataFrame(rows).median()
    de_fraction = (sizes.sdegs / sizes.filtered_genes).median()
    bio_fraction = (sizes.bio_genes_Q / sizes.sdegs).median()
    normal_fraction = (sizes.normal_samples / (sizes.normal_samples + sizes.tumor_samples)).median()
    print(
        f"# median over {len(rows)} released cohorts (T2 matrices, normal samples for dispersion)"
    )
    for key, value in summary.items():
        print(f"{key}: {value:.4g}")
    print(f"de_fraction: {de_fraction:.4g}\nbio_fraction: {bio_fraction:.4g}")
    print(f"normal_fraction: {normal_fraction:.4g}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

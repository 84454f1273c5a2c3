"""One cohort on its own: README's counts-matrix example, run with `kedro run` as written.

Only transfer learning needs a train and an untrained cohort, and it asks for them when it runs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from degnext.data import annotations
from degnext.data.synthetic import Calibration, CohortSpec, generate_cohort
from tests.tiny_project import PROJECT, kedro, make_project


def _write_matrix_cohort(folder: Path) -> None:
    """A user's files: counts.tsv (Ensembl ids x barcodes), samples.csv, a knowledge list."""
    ingestion = yaml.safe_load((PROJECT / "conf/base/parameters_ingestion.yml").read_text())
    calibration = Calibration(**ingestion["ingestion"]["synthetic"]["calibration"])
    spec = CohortSpec(
        "MYCOHORT", n_genes=2500, n_normal=8, n_tumor=20, outlier_probability=0.0, seed=4
    )
    cohort = generate_cohort(
        spec, calibration, annotations.load_gencode(), annotations.load_gene_info()
    )
    cohort.counts.to_csv(folder / "counts.tsv", sep="\t")
    cohort.samples[["barcode", "sample_type"]].to_csv(folder / "samples.csv", index=False)
    (folder / "knowledge.txt").write_text("\n".join(cohort.disease_genes["symbol"]) + "\n")


def _one_cohort_project(root: Path, disease_genes: str) -> Path:
    """make_project's tiny settings with README's one `cohorts` entry, run from the data folder."""
    make_project(root)
    params = yaml.safe_load((root / "conf/local/parameters.yml").read_text())
    params["cohorts"] = {
        "MYCOHORT": {
            "role": "untrained",
            "source": "matrix",
            "matrix": {"path": "counts.tsv", "sample_sheet": "samples.csv"},
            "disease_genes": disease_genes,
        }
    }
    (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(params))
    _write_matrix_cohort(root)
    return root


def test_readme_matrix_example_runs_ingestion_labeling_and_splitting_alone(tmp_path):
    root = _one_cohort_project(tmp_path, disease_genes="knowledge.txt")
    for pipeline in ("ingestion", "labeling", "splitting"):
        kedro(root, "run", "--pipeline", pipeline)
    dea = pd.read_parquet(root / "data/03_primary/MYCOHORT/dea_results.parquet")
    assert set(dea["label"]) == {0, 1, 2} and dea["bio_validated"].any()
    splits = pd.read_parquet(root / "data/05_model_input/MYCOHORT/splits.parquet")
    assert set(splits["set"]) == {"T1", "T2", "F1", "T3"}


def test_readme_matrix_example_without_knowledge_labels_then_transfer_asks_for_cohorts(tmp_path):
    root = _one_cohort_project(tmp_path, disease_genes="none")
    kedro(root, "run", "--pipeline", "ingestion")
    kedro(root, "run", "--pipeline", "labeling")
    dea = pd.read_parquet(root / "data/03_primary/MYCOHORT/dea_results.parquet")
    assert not dea["bio_validated"].any() and (dea["label"] != 2).any()
    failed = kedro(root, "run", "--pipeline", "cnn_transfer", check=False)
    assert failed.returncode != 0
    message = failed.stdout + failed.stderr
    assert "parameter 'cohorts'" in message and "found train=[], untrained=['MYCOHORT']" in message
    assert not (root / "data/06_models/transfer").exists()

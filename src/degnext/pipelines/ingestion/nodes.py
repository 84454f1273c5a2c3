"""Ingestion: one cohort's raw counts, sample sheet, gene table and knowledge list, as tables.

Real cohorts arrive loaded (``<C>.cohort_source``, ``<C>.disease_gene_list``,
``<C>.release_cohort``: datasets built from the parameters by ``degnext.input_datasets``);
synthetic ones are generated here from their parameters and the packaged annotation tables.
"""

from __future__ import annotations

import pandas as pd

from degnext.cohorts import source_settings
from degnext.data.cohort import Cohort
from degnext.data.release import ReleaseCohort
from degnext.data.splits import SPLIT_COLUMNS, assign_folds, require_fold_members
from degnext.data.synthetic import Calibration, CohortSpec, generate_cohort
from degnext.errors import DEGnextInputError


def ingest_cohort(
    disease_gene_list: pd.DataFrame, cohort_source: Cohort, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Counts (genes x samples), samples, genes and disease-knowledge genes of one cohort.

    The gene list comes first among the inputs: Kedro loads them in order, so a bad list stops
    the node before its cohort is downloaded.
    """
    _require_both_conditions(cohort_source.samples, name)
    return (
        cohort_source.counts,
        cohort_source.samples,
        cohort_source.genes.reset_index(),
        disease_gene_list,
    )


def ingest_gdc_cohort(
    disease_gene_list: pd.DataFrame, cohort_source: Cohort, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """``ingest_cohort`` of a GDC cohort, plus the manifest of its files and the data release."""
    provenance = cohort_source.provenance
    return (
        *ingest_cohort(disease_gene_list, cohort_source, name),
        provenance["gdc_manifest"],
        provenance["gdc_release"],
    )


def generate_synthetic_cohort(
    cohort: dict,
    ingestion: dict,
    gencode_genes: pd.DataFrame,
    gene_length_gc: pd.DataFrame,
    name: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``ingest_cohort``'s tables for a synthetic cohort, drawn from the GENCODE genes."""
    settings, defaults = cohort.get("synthetic") or {}, ingestion["synthetic"]
    profiles = defaults["profiles"]
    like = settings.get("like", name)
    if like not in profiles:
        raise DEGnextInputError(
            f"parameter 'cohorts.{name}.synthetic.like' names unknown cohort {like!r}; "
            f"known TCGA profiles: {sorted(profiles)}"
        )
    n_samples = settings.get("n_samples", defaults["n_samples"])
    profile = profiles[like]
    n_normal = max(
        defaults["min_normal"], round(n_samples * profile["normal"] / sum(profile.values()))
    )
    spec = CohortSpec(
        name=name,
        n_genes=settings.get("n_genes", defaults["n_genes"]),
        n_normal=n_normal,
        n_tumor=n_samples - n_normal,
        outlier_probability=settings.get("outlier_probability", defaults["outlier_probability"]),
        seed=settings.get("seed", defaults["seed"]),
    )
    generated = generate_cohort(
        spec, Calibration(**defaults["calibration"]), gencode_genes, gene_length_gc
    )
    _require_both_conditions(generated.samples, name)
    return (
        generated.counts,
        generated.samples,
        generated.genes.reset_index(),
        generated.disease_genes,
    )


def _require_both_conditions(samples: pd.DataFrame, name: str) -> None:
    counts = samples["condition"].value_counts()
    for condition in ("normal", "tumor"):
        if counts.get(condition, 0) == 0:
            raise DEGnextInputError(
                f"cohort {name!r} has no {condition} samples: the differential-expression labels "
                "need Solid Tissue Normal and Primary Tumor samples"
            )


def ingest_release(
    release_cohort: ReleaseCohort, cohort: dict, ingestion: dict, splitting: dict, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Expression rows, split table and sample sheet of the authors' released splits of a cancer.

    The release is already labeled and split, so labeling and splitting are skipped for it. Where
    T1 was not released, T2 (a 20% draw of P with the same label mix) stands in as the 3-class
    training set; it then leaves T2 empty. T1 folds are drawn here from ``splitting``'s seed.
    """
    splits = release_cohort.splits.rename_axis("gene_id").reset_index()
    if release_cohort.t1_source == "T2":
        splits.loc[splits["set"] == "T2", "set"] = "T1"
    t1 = (splits["set"] == "T1").to_numpy()
    splits["fold"] = -1
    if t1.any():
        require_fold_members(splits.loc[t1, "label"].to_numpy(), splitting["n_folds"], name)
        splits.loc[t1, "fold"] = assign_folds(
            splits.loc[t1, "label"].to_numpy(), splitting["n_folds"], splitting["seed"]
        )
    n_normal = source_settings(cohort, ingestion, "release")["n_normal"]
    columns = release_cohort.expression.columns
    if not 2 <= n_normal <= len(columns) - 2:
        raise DEGnextInputError(
            f"parameter 'cohorts.{name}.release.n_normal' is {n_normal}; the release matrix of "
            f"{name} has {len(columns)} columns and both groups need at least 2"
        )
    samples = pd.DataFrame(
        {
            "barcode": columns,
            "condition": ["normal"] * n_normal + ["tumor"] * (len(columns) - n_normal),
        }
    )
    expression = release_cohort.expression.astype("float32").rename_axis("gene_id")
    return expression, splits[SPLIT_COLUMNS], samples

"""TCGA-like synthetic cohorts: the embedded default data set that needs no download.

Counts are negative binomial with the mean-dispersion relation, expression levels, fold changes and
group sizes fitted on the authors' released TCGA matrices (``scripts/calibrate_synthetic.py``; the
numbers live in ``conf/base/parameters_ingestion.yml``). Genes are real GENCODE v36 genes with
versioned Ensembl ids and symbols, so HGNC mapping and length/GC normalization do real work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from degnext.errors import DEGnextInputError


@dataclass(frozen=True)
class Calibration:
    """Fitted numbers that make synthetic counts look like TCGA (see module docstring)."""

    phi0: float
    phi1: float
    max_dispersion: float
    log_mean_mu: float
    log_mean_sd: float
    length_exponent: float
    abs_log2fc_de_median: float
    abs_log2fc_de_log_sd: float
    max_abs_log2fc: float
    up_fraction: float
    library_log_sd: float
    de_fraction: float
    bio_fraction: float
    knowledge_decoy_fraction: float


@dataclass(frozen=True)
class CohortSpec:
    """Size and randomness of one synthetic cohort."""

    name: str
    n_genes: int
    n_normal: int
    n_tumor: int
    outlier_probability: float
    seed: int


@dataclass(frozen=True)
class SyntheticCohort:
    """Everything a real source yields, plus the truth the generator used."""

    counts: pd.DataFrame
    samples: pd.DataFrame
    genes: pd.DataFrame
    disease_genes: pd.DataFrame
    truth: pd.DataFrame


def _barcodes(rng: np.random.Generator, n_normal: int, n_tumor: int) -> list[str]:
    """TCGA-style barcodes; normals come from patients who also gave a tumor sample, as in TCGA."""
    site = f"{rng.integers(10, 99)}"
    participants = rng.choice(np.arange(1000, 10000), size=n_tumor, replace=False)
    normal_participants = (
        participants[:n_normal]
        if n_normal <= n_tumor
        else np.concatenate(
            [participants, rng.choice(np.arange(10000, 20000), n_normal - n_tumor, replace=False)]
        )
    )
    plates = rng.integers(0, 1000, size=n_normal + n_tumor)
    normals = [
        f"TCGA-{site}-{p:04d}-11A-01R-A{plate:03d}-07"
        for p, plate in zip(normal_participants, plates[:n_normal], strict=True)
    ]
    tumors = [
        f"TCGA-{site}-{p:04d}-01A-11R-A{plate:03d}-07"
        for p, plate in zip(participants, plates[n_normal:], strict=True)
    ]
    return normals + tumors


def generate_cohort(
    spec: CohortSpec, calibration: Calibration, annotation: pd.DataFrame, gene_info: pd.DataFrame
) -> SyntheticCohort:
    """Draw one cohort of raw counts, its sample sheet, gene table and disease-knowledge list.

    Args:
        annotation: GENCODE genes (gene_id versioned, gene_name, gene_type, hgnc_id).
        gene_info: per-gene length and GC content indexed by unversioned Ensembl id.
    """
    if spec.n_normal < 2 or spec.n_tumor < 2:
        raise DEGnextInputError(
            f"synthetic cohort {spec.name!r}: n_normal={spec.n_normal} and n_tumor={spec.n_tumor} "
            "must both be at least 2 (the exact test compares two groups)"
        )
    if spec.n_genes > len(annotation):
        raise DEGnextInputError(
            f"synthetic cohort {spec.name!r}: n_genes={spec.n_genes} exceeds the "
            f"{len(annotation)} annotated genes"
        )
    c = calibration
    rng = np.random.default_rng(spec.seed)
    genes = annotation.iloc[np.sort(rng.choice(len(annotation), spec.n_genes, replace=False))]
    stripped = genes["gene_id"].str.replace(r"\.\d+(_PAR_Y)?$", "", regex=True)
    length = gene_info["gene_length"].reindex(stripped).to_numpy(dtype=float)
    length = np.where(np.isnan(length), np.nanmedian(length), length)

    # Tails are clipped at 3 sd: one gene of a billion reads would swamp every library.
    log_mean = np.clip(
        rng.normal(c.log_mean_mu, c.log_mean_sd, spec.n_genes),
        None,
        c.log_mean_mu + 3 * c.log_mean_sd,
    )
    base_mean = np.exp(log_mean)
    base_mean *= (length / np.median(length)) ** c.length_exponent
    is_de = rng.random(spec.n_genes) < c.de_fraction
    magnitude = c.abs_log2fc_de_median * np.exp(rng.normal(0, c.abs_log2fc_de_log_sd, spec.n_genes))
    magnitude = np.minimum(magnitude, c.max_abs_log2fc)
    direction = np.where(rng.random(spec.n_genes) < c.up_fraction, 1.0, -1.0)
    log2fc = np.where(is_de, direction * magnitude, 0.0)

    n_samples = spec.n_normal + spec.n_tumor
    is_tumor = np.arange(n_samples) >= spec.n_normal
    library = np.exp(rng.normal(0, c.library_log_sd, n_samples))
    # base_mean is the level of the higher group: an UR gene sits at base_mean in tumor and lower in
    # normal, a DR gene the other way round. Both groups then draw levels from one distribution, so
    # a few strongly induced genes do not swamp the tumor libraries (as they would not in TCGA).
    group_shift = np.where(
        is_tumor[None, :], np.minimum(log2fc, 0)[:, None], -np.maximum(log2fc, 0)[:, None]
    )
    mean = base_mean[:, None] * library[None, :] * np.exp2(group_shift)
    dispersion = np.clip(c.phi0 + c.phi1 / mean, c.phi0, c.max_dispersion)
    # Negative binomial as a gamma-Poisson mixture: shape 1/dispersion, mean `mean`.
    counts = rng.poisson(rng.gamma(1 / dispersion, mean * dispersion)).astype(np.int64)

    outlier = is_tumor & (rng.random(n_samples) < spec.outlier_probability)
    for column in np.flatnonzero(outlier):
        counts[:, column] = rng.permutation(counts[:, column])

    barcodes = _barcodes(rng, spec.n_normal, spec.n_tumor)
    counts_frame = pd.DataFrame(
        counts, index=pd.Index(genes["gene_id"], name="gene_id"), columns=barcodes
    )
    samples = pd.DataFrame(
        {
            "barcode": barcodes,
            "sample_type": np.where(is_tumor, "Primary Tumor", "Solid Tissue Normal"),
            "condition": np.where(is_tumor, "tumor", "normal"),
            "synthetic_outlier": outlier,
        }
    )
    gene_table = genes.set_index("gene_id")[["gene_name", "gene_type"]]

    symbols = genes["gene_name"].to_numpy()
    de_symbols = symbols[is_de]
    n_known = round(c.bio_fraction * len(de_symbols))
    known = rng.choice(de_symbols, n_known, replace=False)
    decoys = rng.choice(symbols[~is_de], round(c.knowledge_decoy_fraction * n_known), replace=False)
    disease_genes = pd.DataFrame({"symbol": np.sort(np.unique(np.concatenate([known, decoys])))})
    truth = pd.DataFrame({"gene_id": genes["gene_id"].to_numpy(), "true_log2fc": log2fc})
    return SyntheticCohort(counts_frame, samples, gene_table, disease_genes, truth)

"""Ingestion: read or generate one cohort's raw counts, sample sheet, gene table and knowledge list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from degnext.data import annotations
from degnext.data.splits import SPLIT_COLUMNS, assign_folds, require_fold_members
from degnext.data.synthetic import Calibration, CohortSpec, generate_cohort
from degnext.errors import DEGnextInputError

if TYPE_CHECKING:
    from degnext.data.cohort import Cohort


def ingest_cohort(
    cohort: dict, ingestion: dict, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Counts (genes x samples), samples, genes and disease-knowledge genes of one cohort."""
    source = cohort.get("source")
    if source == "synthetic":
        result = _synthetic(cohort.get("synthetic") or {}, ingestion["synthetic"], name)
    else:
        loaded = _load_source(cohort, ingestion, source, name)
        result = (loaded.counts, loaded.samples, loaded.genes, read_disease_genes(cohort, name))
    counts, samples, genes, disease_genes = result
    _require_both_conditions(samples, name)
    return counts, samples, genes.reset_index(), disease_genes


def ingest_gdc_cohort(
    cohort: dict, ingestion: dict, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """``ingest_cohort`` of a GDC cohort, plus the manifest of its files and the data release."""
    loaded = _load_source(cohort, ingestion, "gdc", name)
    _require_both_conditions(loaded.samples, name)
    return (
        loaded.counts,
        loaded.samples,
        loaded.genes.reset_index(),
        read_disease_genes(cohort, name),
        loaded.provenance["gdc_manifest"],
        loaded.provenance["gdc_release"],
    )


def _load_source(cohort: dict, ingestion: dict, source: str, name: str) -> Cohort:
    from degnext.data import sources

    return sources.load_cohort(source, _source_settings(cohort, ingestion, source, name))


def _source_settings(cohort: dict, ingestion: dict, source: str, name: str) -> dict:
    if source not in ingestion.get("sources", {}):
        raise DEGnextInputError(
            f"parameter 'cohorts.{name}.source' is {source!r}; use 'synthetic' or one of "
            f"{sorted(ingestion.get('sources', {}))}"
        )
    return {**ingestion["sources"][source], **(cohort.get(source) or {})}


def _synthetic(settings: dict, defaults: dict, name: str) -> tuple:
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
    cohort = generate_cohort(
        spec,
        Calibration(**defaults["calibration"]),
        annotations.load_gencode(),
        annotations.load_gene_info(),
    )
    return cohort.counts, cohort.samples, cohort.genes, cohort.disease_genes


def read_disease_genes(cohort: dict, name: str) -> pd.DataFrame:
    """The cohort's disease-knowledge genes from a one-symbol-per-line file or a GMT set.

    ``disease_genes`` is a path to a CSV/TSV/TXT list, or ``path/to/library.gmt::SET_NAME``;
    ``disease_genes: none`` opts out (every SDEG then stays in P and Q is empty).
    """
    spec = cohort.get("disease_genes")
    if spec is None:
        raise DEGnextInputError(
            f"parameter 'cohorts.{name}.disease_genes' is missing: give a gene list file "
            "(one symbol per line), a GMT set as 'file.gmt::SET', or 'none' to opt out"
        )
    if str(spec).lower() == "none":
        return pd.DataFrame({"symbol": pd.Series(dtype=str)})
    path_text, _, set_name = str(spec).partition("::")
    path = Path(path_text)
    if not path.is_file():
        raise DEGnextInputError(f"parameter 'cohorts.{name}.disease_genes': no file {path}")
    if set_name:
        from degnext.evaluation.enrichment import read_gmt

        library = read_gmt(path)
        if set_name not in library:
            raise DEGnextInputError(f"{path}: no gene set named {set_name!r}")
        symbols = sorted(library[set_name])
    else:
        lines = path.read_text().splitlines()
        symbols = [line.split(",")[0].split("\t")[0].strip() for line in lines]
        symbols = [s for s in symbols if s and s.lower() not in {"symbol", "gene", "genes"}]
    return pd.DataFrame({"symbol": sorted(set(symbols))})


def _require_both_conditions(samples: pd.DataFrame, name: str) -> None:
    counts = samples["condition"].value_counts()
    for condition in ("normal", "tumor"):
        if counts.get(condition, 0) == 0:
            raise DEGnextInputError(
                f"cohort {name!r} has no {condition} samples: the differential-expression labels "
                "need Solid Tissue Normal and Primary Tumor samples"
            )


def ingest_release(
    cohort: dict, ingestion: dict, splitting: dict, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Expression rows, split table and sample sheet of the authors' released splits of a cancer.

    The release is already labeled and split, so labeling and splitting are skipped for it. Where
    T1 was not released, T2 (a 20% draw of P with the same label mix) stands in as the 3-class
    training set; it then leaves T2 empty. T1 folds are drawn here from ``splitting``'s seed.
    """
    from degnext.data.release import read_release

    settings = {**ingestion["sources"]["release"], **(cohort.get("release") or {})}
    release = read_release(Path(settings["root"]), settings.get("cancer", name))
    splits = release.splits.rename_axis("gene_id").reset_index()
    if release.t1_source == "T2":
        splits.loc[splits["set"] == "T2", "set"] = "T1"
    t1 = (splits["set"] == "T1").to_numpy()
    splits["fold"] = -1
    if t1.any():
        require_fold_members(splits.loc[t1, "label"].to_numpy(), splitting["n_folds"], name)
        splits.loc[t1, "fold"] = assign_folds(
            splits.loc[t1, "label"].to_numpy(), splitting["n_folds"], splitting["seed"]
        )
    n_normal = settings["n_normal"]
    columns = release.expression.columns
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
    expression = release.expression.astype("float32").rename_axis("gene_id")
    return expression, splits[SPLIT_COLUMNS], samples

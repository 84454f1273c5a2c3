"""Labeling: TCGAbiolinks' preprocessing chain and edgeR's exact test, in Python.

outlier samples -> HGNC mapping -> within/between-lane normalization -> quantile filter -> DEA
-> labels (1 UR, 0 DR, 2 neutral) and the disease-knowledge flag that defines Q.
"""

from __future__ import annotations

import pandas as pd

from degnext.errors import DEGnextInputError
from degnext.labeling import dea, normalization, preprocessing


def drop_outlier_samples(
    raw_counts: pd.DataFrame, samples: pd.DataFrame, params: dict, name: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate the counts against the sample sheet, then drop low-correlation samples."""
    preprocessing.validate_counts(raw_counts, f"{name}.raw_counts")
    sheet = samples.set_index("barcode")
    missing = raw_counts.columns.difference(sheet.index)
    if len(missing):
        raise DEGnextInputError(
            f"cohort {name!r}: counts columns {list(missing)[:5]} have no row in the sample sheet"
        )
    kept, report = preprocessing.sample_outliers(raw_counts, cor_cut=params["cor_cut"])
    report = report.merge(sheet[["condition"]], left_on="barcode", right_index=True, how="left")
    _require_two_per_group(sheet.loc[kept.columns, "condition"], params["cor_cut"], name)
    return kept, report


def _require_two_per_group(condition: pd.Series, cor_cut: float, name: str) -> None:
    """The exact test needs >= 2 normal and >= 2 tumor samples after outliers are dropped."""
    kept = condition.value_counts()
    if min(kept.get("normal", 0), kept.get("tumor", 0)) < 2:
        raise DEGnextInputError(
            f"parameter 'labeling.cor_cut' is {cor_cut}: it keeps {kept.get('normal', 0)} normal "
            f"and {kept.get('tumor', 0)} tumor samples of cohort {name!r}; each group needs at "
            "least 2 (lower cor_cut, e.g. with --params cohorts.<C>.labeling.cor_cut=...)"
        )


def map_gene_symbols(
    kept_counts: pd.DataFrame, genes: pd.DataFrame, gencode_genes: pd.DataFrame, labeling: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep genes with a valid HGNC symbol, using the data's own gene names when it has them,
    else GENCODE's (``gencode_genes``).

    ``map_to_hgnc: false`` keeps every gene (inputs already filtered, or with another
    annotation) and only looks their symbols up.
    """
    map_to_hgnc = labeling["map_to_hgnc"]
    if not isinstance(map_to_hgnc, bool):
        raise DEGnextInputError(
            f"parameter 'labeling.map_to_hgnc' must be true or false, got {map_to_hgnc!r}"
        )
    gene_table = genes.set_index("gene_id")
    names = (
        gene_table["gene_name"]
        if "gene_name" in gene_table and gene_table["gene_name"].notna().any()
        else None
    )
    if not map_to_hgnc:
        symbols = preprocessing.gene_symbols(
            kept_counts, gene_names=names, annotation=gencode_genes
        )
        return kept_counts, symbols
    return preprocessing.map_to_hgnc(kept_counts, gene_names=names, annotation=gencode_genes)


def normalize_counts(
    mapped_counts: pd.DataFrame, gene_length_gc: pd.DataFrame, params: dict
) -> pd.DataFrame:
    """EDASeq-style within-lane (length or GC) and upper-quartile between-lane normalization."""
    return normalization.normalize(mapped_counts, gene_length_gc, method=params["normalization"])


def filter_genes(normalized_counts: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Keep genes whose mean is above the ``qnt_cut`` quantile of gene means."""
    return normalization.quantile_filter(normalized_counts, qnt_cut=params["qnt_cut"])


def differential_expression(
    filtered_counts: pd.DataFrame,
    samples: pd.DataFrame,
    gene_symbols: pd.DataFrame,
    disease_genes: pd.DataFrame,
    params: dict,
    name: str,
) -> pd.DataFrame:
    """DEA table with labels and the disease-knowledge flag (``bio_validated``) of each gene."""
    condition = samples.set_index("barcode")["condition"].reindex(filtered_counts.columns)
    method = params["dea_method"]
    if method == "exact_test":
        table = dea.exact_test(filtered_counts, condition)
    elif method == "deseq2":
        table = dea.deseq2(filtered_counts, condition, seed=params["seed"])
    else:
        raise DEGnextInputError(
            f"parameter 'labeling.dea_method' of cohort {name!r} is {method!r}; use exact_test or deseq2"
        )
    table = table.rename_axis("gene_id").reset_index()
    symbols = gene_symbols.set_index("gene_id")["symbol"]
    table.insert(1, "symbol", table["gene_id"].map(symbols))
    table["label"] = dea.label_genes(
        table.set_index("gene_id"), fdr_cutoff=params["fdr_cutoff"]
    ).to_numpy()
    known = set(disease_genes["symbol"])
    table["bio_validated"] = table["symbol"].isin(known) & (table["label"] != 2)
    return table


def build_features(filtered_counts: pd.DataFrame, samples: pd.DataFrame) -> pd.DataFrame:
    """The CNN's input rows: each gene's normalized expression, normal samples first, then tumor."""
    condition = samples.set_index("barcode")["condition"].reindex(filtered_counts.columns)
    order = list(condition[condition == "normal"].index) + list(
        condition[condition == "tumor"].index
    )
    return filtered_counts[order].astype("float32")

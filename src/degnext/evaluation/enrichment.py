"""Gene-set over-representation of predicted UR/DR genes (the paper's Tables 4 and 5).

The paper used ToppGene (GO) and IPA canonical pathways (commercial). Here any GMT library
(MSigDB, Reactome, KEGG exports) or GO itself (OBO + GAF, annotations propagated up the DAG; read
by ``degnext.data.gene_sets``) is tested with the one-sided hypergeometric test that ToppGene
also uses, with Benjamini-Hochberg q-values over the tested terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import hypergeom

from degnext.data.gene_sets import GeneSetLibrary
from degnext.errors import DEGnextInputError
from degnext.labeling.dea import bh_fdr

ORA_COLUMNS = ["term", "term_name", "size", "overlap", "p_value", "q_value", "overlap_genes"]
UP_DOWN_COLUMNS = [
    "term",
    "term_name",
    "size",
    "overlap",
    "p_value",
    "q_value",
    "up_genes",
    "down_genes",
    "p_value_up",
    "p_value_down",
]
ID_FORMATS = {
    "Ensembl": re.compile(r"^ENS[A-Z]*G\d{6,}(\.\d+)?$"),
    "Entrez": re.compile(r"^\d+$"),
}


def id_format(gene_id: str) -> str:
    """'Ensembl', 'Entrez' or 'symbol': what kind of gene identifier this looks like."""
    for kind, pattern in ID_FORMATS.items():
        if pattern.match(gene_id):
            return kind
    return "symbol"


def _majority_format(genes: Iterable[str]) -> tuple[str, float]:
    kinds = pd.Series([id_format(str(g)) for g in genes], dtype=object)
    if kinds.empty:
        return "symbol", 0.0
    counts = kinds.value_counts(normalize=True)
    return str(counts.index[0]), float(counts.iloc[0])


def check_id_formats(query: Iterable[str], library_genes: Iterable[str]) -> None:
    """Fail clearly when the query ids and the library ids are of different kinds.

    E.g. Ensembl ids tested against a symbol-based GMT would silently overlap nowhere.
    """
    query_kind, query_share = _majority_format(query)
    library_kind, library_share = _majority_format(library_genes)
    if query_share > 0.5 and library_share > 0.5 and query_kind != library_kind:
        raise DEGnextInputError(
            f"gene identifiers do not match: {query_share:.0%} of the query/background genes look "
            f"like {query_kind} ids but {library_share:.0%} of the gene-set library's genes are "
            f"{library_kind} ids; map the genes to the library's id type (e.g. HGNC symbols) first"
        )


def _tested_sets(
    background: set[str], gene_sets: Mapping[str, set[str]], min_size: int, max_size: int
) -> dict[str, set[str]]:
    """Gene sets restricted to the background, kept when their size is within [min, max]."""
    if min_size < 1 or max_size < min_size:
        raise DEGnextInputError(
            f"parameters min_size={min_size}, max_size={max_size}: need 1 <= min_size <= max_size"
        )
    restricted = {term: set(genes) & background for term, genes in gene_sets.items()}
    return {t: g for t, g in restricted.items() if min_size <= len(g) <= max_size}


def _hypergeometric(
    genes: set[str], background: set[str], sets: dict[str, set[str]]
) -> tuple[np.ndarray, np.ndarray, list[set[str]]]:
    """Upper-tail p-value P(X >= k) of each set's overlap with ``genes`` (within the background)."""
    query = genes & background
    overlaps = [query & members for members in sets.values()]
    k = np.array([len(o) for o in overlaps])
    sizes = np.array([len(m) for m in sets.values()])
    p = hypergeom.sf(k - 1, len(background), sizes, len(query))
    return np.clip(p, 0.0, 1.0), k, overlaps


def _check_inputs(genes: set[str], background: set[str], gene_sets: Mapping[str, set[str]]) -> None:
    if not background:
        raise DEGnextInputError("enrichment: the background gene set is empty")
    if not gene_sets:
        raise DEGnextInputError("enrichment: the gene-set library is empty")
    check_id_formats(set(genes) | set(background), set().union(*gene_sets.values()))


def over_representation(
    genes: set[str],
    background: set[str],
    gene_sets: Mapping[str, set[str]],
    *,
    min_size: int = 5,
    max_size: int = 2000,
) -> pd.DataFrame:
    """Hypergeometric over-representation of ``genes`` in every gene set, BH q-values.

    Gene sets and the query are first restricted to the background (the genes that could have
    been called), sets outside [min_size, max_size] after that are not tested. p = P(X >= k),
    X ~ Hypergeom(N = |background|, K = |set|, n = |query|). Rows sorted by p-value.
    """
    genes, background = set(genes), set(background)
    _check_inputs(genes, background, gene_sets)
    sets = _tested_sets(background, gene_sets, min_size, max_size)
    if not sets:
        return pd.DataFrame(columns=ORA_COLUMNS)
    p, k, overlaps = _hypergeometric(genes, background, sets)
    names = getattr(gene_sets, "names", {})
    table = pd.DataFrame(
        {
            "term": list(sets),
            "term_name": [names.get(t, t) for t in sets],
            "size": [len(m) for m in sets.values()],
            "overlap": k,
            "p_value": p,
            "q_value": bh_fdr(np.asarray(p, dtype=np.float64)),
            "overlap_genes": [";".join(sorted(o)) for o in overlaps],
        }
    )
    return table.sort_values(["p_value", "term"], kind="stable", ignore_index=True)


def enrich_up_down(
    up: set[str],
    down: set[str],
    background: set[str],
    gene_sets: Mapping[str, set[str]],
    *,
    min_size: int = 5,
    max_size: int = 2000,
) -> pd.DataFrame:
    """Over-representation of all predicted DEGs, with the mapped UR and DR genes per term.

    Like the paper's Table 5 (pathway, mapped UR genes, mapped DR genes): p/q-values test the
    union of UR and DR genes; ``p_value_up`` / ``p_value_down`` test each direction alone.
    """
    up, down = set(up), set(down)
    both = up & down
    if both:
        raise DEGnextInputError(
            f"enrichment: {len(both)} genes are called both UR and DR, e.g. {sorted(both)[:5]}"
        )
    union = over_representation(
        up | down, background, gene_sets, min_size=min_size, max_size=max_size
    )
    if union.empty:
        return pd.DataFrame(columns=UP_DOWN_COLUMNS)
    sets = _tested_sets(set(background), gene_sets, min_size, max_size)
    p_up, _, up_overlaps = _hypergeometric(up, set(background), sets)
    p_down, _, down_overlaps = _hypergeometric(down, set(background), sets)
    by_direction = pd.DataFrame(
        {
            "term": list(sets),
            "up_genes": [";".join(sorted(o)) for o in up_overlaps],
            "down_genes": [";".join(sorted(o)) for o in down_overlaps],
            "p_value_up": p_up,
            "p_value_down": p_down,
        }
    )
    return union.drop(columns="overlap_genes").merge(by_direction, on="term", how="left")[
        UP_DOWN_COLUMNS
    ]


def synthetic_gene_sets(
    symbols: list[str],
    *,
    n_sets: int,
    seed: int,
    min_size: int = 10,
    max_size: int = 60,
) -> GeneSetLibrary:
    """A small random gene-set library over ``symbols`` so the enrichment step runs offline.

    Deterministic from ``seed`` (symbols are sorted first); set sizes are uniform in
    [min_size, max_size], capped at the number of symbols. The sets carry no biology.
    """
    universe = sorted(set(symbols))
    if not universe:
        raise DEGnextInputError("synthetic gene sets: no gene symbols to draw from")
    if n_sets < 1 or min_size < 1 or max_size < min_size:
        raise DEGnextInputError(
            f"parameters reporting.enrichment.synthetic_sets: n_sets={n_sets}, "
            f"min_size={min_size}, max_size={max_size} must satisfy n_sets >= 1, 1 <= min <= max"
        )
    rng = np.random.default_rng(seed)
    width = len(str(n_sets))
    library = GeneSetLibrary()
    for index in range(1, n_sets + 1):
        size = min(int(rng.integers(min_size, max_size + 1)), len(universe))
        members = rng.choice(len(universe), size=size, replace=False)
        name = f"SYNTHETIC_SET_{index:0{width}d}"
        library[name] = {universe[i] for i in members}
        library.names[name] = f"synthetic set {index} (random, seed {seed})"
    return library

"""Gene-set over-representation of predicted UR/DR genes (the paper's Tables 4 and 5).

The paper used ToppGene (GO) and IPA canonical pathways (commercial). Here any GMT library
(MSigDB, Reactome, KEGG exports) or GO itself (OBO + GAF, annotations propagated up the DAG) is
tested with the one-sided hypergeometric test that ToppGene also uses, with Benjamini-Hochberg
q-values over the tested terms.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, hypergeom

from degnext.errors import DEGnextInputError

log = logging.getLogger(__name__)

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
GO_ID = re.compile(r"^GO:\d{7}$")
ID_FORMATS = {
    "Ensembl": re.compile(r"^ENS[A-Z]*G\d{6,}(\.\d+)?$"),
    "Entrez": re.compile(r"^\d+$"),
}


class GeneSetLibrary(dict):
    """Term -> gene set, plus ``names`` (term -> readable name, e.g. GO labels) for the tables.

    ``update`` merges names too, so libraries from several files combine without losing them.
    """

    def __init__(
        self, sets: Mapping[str, set[str]] | None = None, names: Mapping[str, str] | None = None
    ):
        super().__init__(sets or {})
        self.names: dict[str, str] = dict(names or {})

    def update(self, other=(), /, **kwargs) -> None:
        super().update(other, **kwargs)
        self.names.update(getattr(other, "names", {}))


def read_gmt(path: Path) -> GeneSetLibrary:
    """Read a GMT file: ``name <tab> description <tab> gene <tab> gene ...`` per line.

    The description is kept as the term name unless it is empty, ``na`` or a URL (MSigDB puts a
    link there). Empty trailing fields are ignored; a duplicated name is an error.
    """
    path = Path(path)
    if not path.is_file():
        raise DEGnextInputError(f"gene-set file {path} does not exist")
    library = GeneSetLibrary()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = [f.strip() for f in line.rstrip("\n\r").split("\t")]
            genes = {g for g in fields[2:] if g}
            if len(fields) < 3 or not fields[0] or not genes:
                raise DEGnextInputError(
                    f"{path}, line {number}: a GMT row needs a name, a description and at least "
                    "one gene, separated by tabs"
                )
            name, description = fields[0], fields[1]
            if name in library:
                raise DEGnextInputError(f"{path}, line {number}: gene set {name!r} appears twice")
            library[name] = genes
            if description and description.lower() != "na" and "://" not in description:
                library.names[name] = description
    if not library:
        raise DEGnextInputError(f"gene-set file {path} holds no gene sets")
    return library


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
            "q_value": false_discovery_control(p, method="bh"),
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


def _read_dag(obo_path: Path, relationships: bool):
    from goatools.obo_parser import GODag

    if not Path(obo_path).is_file():
        raise DEGnextInputError(f"GO ontology file {obo_path} does not exist")
    try:
        dag = GODag(
            str(obo_path), optional_attrs={"relationship"} if relationships else None, prt=None
        )
    except (AssertionError, ValueError, KeyError, IndexError) as error:
        raise DEGnextInputError(f"GO ontology file {obo_path} is not valid OBO: {error}") from error
    if not dag:
        raise DEGnextInputError(f"GO ontology file {obo_path} holds no terms")
    return dag


def read_gaf(gaf_path: Path) -> list[tuple[str, str]]:
    """(gene symbol, GO id) pairs of a GAF 2.x file; NOT-qualified annotations are skipped.

    Column 3 is the symbol, column 4 the qualifier, column 5 the GO id (1-based, GAF 2.x spec).
    """
    gaf_path = Path(gaf_path)
    if not gaf_path.is_file():
        raise DEGnextInputError(f"GO annotation file {gaf_path} does not exist")
    pairs = []
    with gaf_path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.startswith("!") or not line.strip():
                continue
            fields = line.rstrip("\n\r").split("\t")
            if len(fields) < 15:
                raise DEGnextInputError(
                    f"{gaf_path}, line {number}: {len(fields)} tab-separated columns, GAF 2.x has 15-17"
                )
            symbol, qualifier, go_id = fields[2].strip(), fields[3], fields[4].strip()
            if not GO_ID.match(go_id):
                raise DEGnextInputError(
                    f"{gaf_path}, line {number}, column 5: {go_id!r} is not a GO id (GO:nnnnnnn)"
                )
            if "NOT" in qualifier.split("|") or not symbol:
                continue
            pairs.append((symbol, go_id))
    return pairs


def _ancestors(term, part_of: bool, cache: dict) -> set[str]:
    """The term's own id plus every id above it through is_a (and part_of when asked)."""
    if term.item_id in cache:
        return cache[term.item_id]
    uppers = set(term.parents)
    if part_of:
        uppers |= set(getattr(term, "relationship", {}).get("part_of", set()))
    found = {term.item_id}
    for upper in uppers:
        found |= _ancestors(upper, part_of, cache)
    cache[term.item_id] = found
    return found


def read_go(
    obo_path: Path,
    gaf_path: Path,
    *,
    part_of: bool = True,
    namespaces: Iterable[str] | None = None,
) -> GeneSetLibrary:
    """GO term -> gene symbols, each annotation propagated to all ancestor terms (true-path rule).

    The DAG is read with goatools; propagation follows is_a and, when ``part_of`` is true, part_of
    (the GO consortium's propagation; regulates is never followed). Alternative ids map to their
    primary term; annotations to obsolete or unknown terms are skipped with a log line.
    ``namespaces`` (e.g. ``["biological_process"]``) keeps terms of those namespaces only.
    """
    dag = _read_dag(obo_path, part_of)
    cache: dict[str, set[str]] = {}
    library = GeneSetLibrary()
    unknown = 0
    for symbol, go_id in read_gaf(gaf_path):
        term = dag.get(go_id)
        if term is None:
            unknown += 1
            continue
        for ancestor in _ancestors(term, part_of, cache):
            library.setdefault(ancestor, set()).add(symbol)
    if unknown:
        log.warning(
            "%s: %d annotations to GO ids absent from %s were skipped", gaf_path, unknown, obo_path
        )
    keep = None if namespaces is None else set(namespaces)
    for go_id in [g for g in library if keep is not None and dag[g].namespace not in keep]:
        del library[go_id]
    library.names.update({go_id: dag[go_id].name for go_id in library})
    if not library:
        raise DEGnextInputError(f"{gaf_path}: no annotation maps to a kept term of {obo_path}")
    return library


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

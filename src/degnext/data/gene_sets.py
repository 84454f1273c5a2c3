"""Gene sets and gene lists from files: GMT libraries, GO (OBO + GAF) and plain symbol lists.

The enrichment statistics (``degnext.evaluation.enrichment``) test predicted genes against a
``GeneSetLibrary``; a cohort's disease-knowledge genes are a symbol list or one set of a GMT file.
The project's datasets (``degnext.datasets``) call these readers; nodes never open files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from degnext.errors import DEGnextInputError

log = logging.getLogger(__name__)

GO_ID = re.compile(r"^GO:\d{7}$")
_LIST_HEADERS = {"symbol", "gene", "genes"}


def require_file(path: str | Path, kind: str) -> Path:
    """``path`` as a ``Path``; a ``DEGnextInputError`` naming it (as ``kind``) when it is no file."""
    path = Path(path)
    if not path.is_file():
        raise DEGnextInputError(f"{kind} {path} does not exist")
    return path


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
    path = require_file(path, "gene-set file")
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


def read_gene_list(path: str | Path, set_name: str = "") -> list[str]:
    """Sorted unique symbols of a list file, or of the set ``set_name`` of a GMT library.

    A list file holds one symbol per line; of a CSV/TSV line only the first column counts, and a
    header word (``symbol``, ``gene``, ``genes``) and empty lines are skipped.
    """
    if set_name:
        library = read_gmt(path)
        if set_name not in library:
            raise DEGnextInputError(f"{path}: no gene set named {set_name!r}")
        return sorted(library[set_name])
    lines = require_file(path, "gene list").read_text().splitlines()
    symbols = [line.split(",")[0].split("\t")[0].strip() for line in lines]
    return sorted({s for s in symbols if s and s.lower() not in _LIST_HEADERS})


def _read_dag(obo_path: Path, relationships: bool):
    from goatools.obo_parser import GODag

    require_file(obo_path, "GO ontology file")
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
    gaf_path = require_file(gaf_path, "GO annotation file")
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

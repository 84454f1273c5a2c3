"""Enrichment: hypergeometric p-values and BH q-values checked against hand computation."""

from fractions import Fraction
from math import comb
from pathlib import Path

import pytest

from degnext.data import gene_sets
from degnext.errors import DEGnextInputError
from degnext.evaluation import enrichment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BACKGROUND = {f"G{i:02d}" for i in range(1, 21)}  # N = 20
QUERY = {"G01", "G02", "G03", "G07", "G99"}  # G99 lies outside the background: n = 4


def upper_tail(k: int, N: int, K: int, n: int) -> float:
    """P(X >= k) for X ~ Hypergeom(N, K, n), summed exactly from binomial coefficients."""
    total = sum(Fraction(comb(K, i) * comb(N - K, n - i)) for i in range(k, min(K, n) + 1))
    return float(total / comb(N, n))


def bh_by_hand(p_values: list[float]) -> list[float]:
    """q_i = min over ranks j >= rank(i) of p_(j) * m / j, capped at 1."""
    m = len(p_values)
    ranked = sorted(p_values)
    return [
        min([1.0, *(ranked[j] * m / (j + 1) for j in range(ranked.index(p), m))]) for p in p_values
    ]


@pytest.fixture
def library() -> gene_sets.GeneSetLibrary:
    return gene_sets.read_gmt(FIXTURES / "tiny.gmt")


def test_read_gmt_keeps_genes_and_readable_descriptions(library):
    assert set(library) == {"SET_A", "SET_B", "SET_C", "SET_SMALL", "SET_D"}
    assert library["SET_C"] == {"G01", "G02", "G03", "G04", "G05", "X01", "X02"}
    assert library.names == {
        "SET_A": "first toy set",
        "SET_SMALL": "three genes only",
        "SET_D": "disjoint from the query",
    }


def test_read_gmt_names_the_malformed_line(tmp_path):
    path = tmp_path / "bad.gmt"
    path.write_text("OK\tdesc\tG1\tG2\n\nBROKEN\tno genes here\n")
    with pytest.raises(DEGnextInputError, match=r"bad\.gmt, line 3"):
        gene_sets.read_gmt(path)
    path.write_text("S\td\tG1\nS\td\tG2\n")
    with pytest.raises(DEGnextInputError, match=r"line 2: gene set 'S' appears twice"):
        gene_sets.read_gmt(path)


def test_over_representation_matches_hand_computed_hypergeometric(library):
    table = enrichment.over_representation(QUERY, BACKGROUND, library, min_size=5, max_size=10)
    rows = table.set_index("term")
    # SET_SMALL (3 genes) is too small; SET_C is restricted to the background first (7 -> 5 genes).
    assert set(rows.index) == {"SET_A", "SET_B", "SET_C", "SET_D"}
    expected = {  # term: (K, k)
        "SET_A": (6, 3),
        "SET_B": (8, 1),
        "SET_C": (5, 3),
        "SET_D": (6, 0),
    }
    for term, (K, k) in expected.items():
        assert rows.loc[term, "size"] == K
        assert rows.loc[term, "overlap"] == k
        assert rows.loc[term, "p_value"] == pytest.approx(upper_tail(k, 20, K, 4), rel=1e-12)
    assert rows.loc["SET_D", "p_value"] == pytest.approx(1.0)
    assert rows.loc["SET_A", "overlap_genes"] == "G01;G02;G03"
    assert rows.loc["SET_A", "term_name"] == "first toy set"
    assert rows.loc["SET_B", "term_name"] == "SET_B"
    terms = list(rows.index)
    q_hand = bh_by_hand([rows.loc[t, "p_value"] for t in terms])
    assert list(rows["q_value"]) == pytest.approx(q_hand, rel=1e-12)
    assert list(table["p_value"]) == sorted(table["p_value"])


def test_enrich_up_down_splits_genes_by_direction(library):
    up, down = {"G01", "G02"}, {"G03", "G07"}
    table = enrichment.enrich_up_down(up, down, BACKGROUND, library, min_size=5, max_size=10)
    rows = table.set_index("term")
    assert rows.loc["SET_A", "up_genes"] == "G01;G02"
    assert rows.loc["SET_A", "down_genes"] == "G03"
    assert rows.loc["SET_B", "up_genes"] == ""
    assert rows.loc["SET_B", "down_genes"] == "G07"
    assert rows.loc["SET_A", "p_value"] == pytest.approx(upper_tail(3, 20, 6, 4))
    assert rows.loc["SET_A", "p_value_up"] == pytest.approx(upper_tail(2, 20, 6, 2))
    assert rows.loc["SET_A", "p_value_down"] == pytest.approx(upper_tail(1, 20, 6, 2))
    with pytest.raises(DEGnextInputError, match="both UR and DR"):
        enrichment.enrich_up_down({"G01"}, {"G01"}, BACKGROUND, library)


def test_unknown_gene_id_format_is_a_clear_error(library):
    ensembl = {f"ENSG{i:011d}" for i in range(1, 30)}
    with pytest.raises(DEGnextInputError, match="Ensembl ids .* symbol ids"):
        enrichment.over_representation(set(list(ensembl)[:5]), ensembl, library)
    entrez = {str(i) for i in range(1000, 1030)}
    with pytest.raises(DEGnextInputError, match="Entrez"):
        enrichment.over_representation({"1000"}, entrez, library)


def test_go_annotations_propagate_to_ancestors():
    obo, gaf = FIXTURES / "toy_go.obo", FIXTURES / "toy_go.gaf"
    go = gene_sets.read_go(obo, gaf)
    assert go["GO:0000003"] == {"GENEA", "GENEC"}  # GENEC annotated to the alt id GO:0000099
    assert go["GO:0000002"] == {"GENEA", "GENEB", "GENEC"}  # GENEB via part_of; GENED is NOT
    assert go["GO:0000001"] == {"GENEA", "GENEB", "GENEC", "GENEF"}
    assert "GENEF" not in go["GO:0000003"]  # regulates is not propagated
    assert "GO:0000005" not in go  # obsolete
    assert go.names["GO:0000002"] == "toy adhesion"
    is_a_only = gene_sets.read_go(obo, gaf, part_of=False)
    assert is_a_only["GO:0000002"] == {"GENEA", "GENEC"}
    bp = gene_sets.read_go(obo, gaf, namespaces=["biological_process"])
    assert "GO:0000010" not in bp


def test_go_library_names_reach_the_table():
    go = gene_sets.read_go(FIXTURES / "toy_go.obo", FIXTURES / "toy_go.gaf")
    background = {f"GENE{c}" for c in "ABCDEFG"} | {f"OTHER{i}" for i in range(10)}
    table = enrichment.over_representation({"GENEA", "GENEC"}, background, go, min_size=1)
    assert table.loc[0, "term"] == "GO:0000003"
    assert table.loc[0, "term_name"] == "toy cell-cell adhesion"


def test_gaf_errors_name_the_line(tmp_path):
    gaf = tmp_path / "bad.gaf"
    gaf.write_text("!gaf-version: 2.2\nUniProtKB\tP1\tA\t\tGO:1\n")
    with pytest.raises(DEGnextInputError, match=r"bad\.gaf, line 2"):
        gene_sets.read_go(FIXTURES / "toy_go.obo", gaf)


def test_synthetic_gene_sets_are_deterministic():
    symbols = [f"SYN{i:05d}" for i in range(300)]
    first = enrichment.synthetic_gene_sets(symbols, n_sets=12, seed=7)
    again = enrichment.synthetic_gene_sets(list(reversed(symbols)), n_sets=12, seed=7)
    other = enrichment.synthetic_gene_sets(symbols, n_sets=12, seed=8)
    assert dict(first) == dict(again)
    assert dict(first) != dict(other)
    assert len(first) == 12
    assert all(10 <= len(s) <= 60 and s <= set(symbols) for s in first.values())
    table = enrichment.over_representation(set(symbols[:40]), set(symbols), first)
    assert len(table) == 12

"""`labeling.map_to_hgnc: false`: the labeling nodes on inputs that skip the HGNC filter.

TCGAbiolinks applies no HGNC filter, so its reference outputs (shared/reference/tcgabiolinks) are
what the node chain must give with the option off.
"""

import numpy as np
import pandas as pd
import pytest
import yaml

from degnext.data.annotations import load_gencode, load_gene_info
from degnext.errors import DEGnextInputError
from degnext.labeling.preprocessing import strip_version
from degnext.pipelines.labeling import nodes
from tests.tiny_project import PROJECT

DEFAULTS = yaml.safe_load((PROJECT / "conf/base/parameters_labeling.yml").read_text())["labeling"]
NO_HGNC = {**DEFAULTS, "map_to_hgnc": False}


def _csv(path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0)
    frame.index = frame.index.astype(str)
    return frame


def test_map_to_hgnc_is_on_by_default():
    assert DEFAULTS["map_to_hgnc"] is True


def test_node_chain_without_hgnc_filter_equals_tcgabiolinks(shared):
    ref = shared / "reference" / "tcgabiolinks" / "synthetic_seed1"
    raw = _csv(ref / "synthetic_counts.csv")
    samples = pd.read_csv(ref / "synthetic_samples.csv")
    samples["condition"] = np.where(samples["barcode"].str[13:15] == "11", "normal", "tumor")
    genes = pd.DataFrame({"gene_id": raw.index})
    kept, _ = nodes.drop_outlier_samples(raw, samples, NO_HGNC, "SYN")
    mapped, symbols = nodes.map_gene_symbols(kept, genes, load_gencode(), NO_HGNC)
    normalized = nodes.normalize_counts(mapped, load_gene_info(), NO_HGNC)
    filtered = nodes.filter_genes(normalized, NO_HGNC)
    expected = _csv(ref / "filtered_geneLength_q025.csv")
    assert set(filtered.index) == set(expected.index)
    with_filter, _ = nodes.map_gene_symbols(kept, genes, load_gencode(), DEFAULTS)
    assert len(with_filter) < len(mapped) == len(raw)  # the option is what keeps every gene
    table = nodes.differential_expression(
        filtered, samples, symbols, pd.DataFrame({"symbol": []}), NO_HGNC, "SYN"
    )
    table = table.set_index("gene_id")
    dea = _csv(ref / "dea_exactTest_geneLength.csv")
    ours = table.loc[dea.index]
    assert np.abs(ours["logFC"] - dea["logFC"]).max() < 1e-6
    assert (np.abs(ours["PValue"] - dea["PValue"]) / dea["PValue"]).max() < 1e-6
    significant = dea["FDR"] < DEFAULTS["fdr_cutoff"]
    expected_labels = np.where(significant, np.where(dea["logFC"] > 0, 1, 0), 2)
    assert (ours["label"].to_numpy() == expected_labels).all()
    gencode = load_gencode().assign(gene_id=lambda t: strip_version(t["gene_id"]))
    names = gencode.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
    assert table["symbol"].dropna().eq(names.reindex(table.index).dropna()).all()
    assert table["symbol"].notna().sum() == table.index.isin(names.index).sum() > 0


def test_map_to_hgnc_must_be_a_boolean():
    counts = pd.DataFrame({"s1": [1, 2]}, index=["ENSG00000141510", "ENSG00000012048"])
    genes = pd.DataFrame({"gene_id": counts.index})
    with pytest.raises(DEGnextInputError, match="labeling.map_to_hgnc"):
        nodes.map_gene_symbols(counts, genes, load_gencode(), {**DEFAULTS, "map_to_hgnc": "no"})

"""The ingestion pipeline in memory on three synthetic cohorts (the file, GDC and release sources are covered by tests/data/ and tests/datasets/)."""

import numpy as np
import pandas as pd

from degnext import cohorts
from degnext.pipelines import ingestion
from tests.pipelines.in_memory import N_GENES, run_in_memory

OUTPUTS = ("raw_counts", "samples", "genes", "disease_genes")


def test_every_cohort_gets_counts_samples_genes_and_disease_genes(ingestion_run, parameters):
    assert set(ingestion_run) == {f"{c}.{o}" for c in parameters["cohorts"] for o in OUTPUTS}
    min_normal = parameters["ingestion"]["synthetic"]["min_normal"]
    for name, cohort in parameters["cohorts"].items():
        counts, samples = ingestion_run[f"{name}.raw_counts"], ingestion_run[f"{name}.samples"]
        assert counts.shape == (N_GENES, cohort["synthetic"]["n_samples"])
        assert np.issubdtype(counts.to_numpy().dtype, np.integer) and (counts >= 0).all().all()
        assert list(counts.columns) == list(samples["barcode"])
        conditions = samples["condition"].value_counts()
        assert set(conditions.index) == {"normal", "tumor"}
        assert conditions["normal"] >= min_normal
        genes = ingestion_run[f"{name}.genes"]
        assert list(genes["gene_id"]) == list(counts.index)
        assert genes["gene_id"].is_unique
        knowledge = ingestion_run[f"{name}.disease_genes"]["symbol"]
        assert len(knowledge) and knowledge.is_unique


def test_cohorts_differ_and_one_cohort_alone_comes_out_the_same(ingestion_run, parameters):
    """Each cohort draws from its own seed, whatever other cohorts the run has."""
    assert not ingestion_run["A.raw_counts"].equals(ingestion_run["C.raw_counts"])
    alone = {**parameters, "cohorts": {"A": parameters["cohorts"]["A"]}}
    only_a = cohorts.names(alone["cohorts"])
    again = run_in_memory(ingestion.create_pipeline(only_a, synthetic=only_a), alone, {})
    for output in OUTPUTS:
        pd.testing.assert_frame_equal(again[f"A.{output}"], ingestion_run[f"A.{output}"])

"""The run's input datasets, built from its parameters: the one place that turns them into datasets.

Users configure what a run reads as parameters (README "Real data"), and nodes take what it reads
as datasets, loaded before they run. ``CohortRegistryHooks.after_catalog_created`` adds what
``input_datasets`` builds from the run's parameters (environment and ``--params`` included):

==============================  =======================  ==========================================
dataset                         type                     built from the parameters
==============================  =======================  ==========================================
``<C>.cohort_source``           CohortSourceDataset      ``cohorts.<C>.source`` (gdc, gdc_folder,
                                                         matrix, nfcore, anndata) and the block
                                                         ``cohorts.<C>.<source>`` over
                                                         ``ingestion.sources.<source>``
``<C>.disease_gene_list``       DiseaseGeneListDataset   ``cohorts.<C>.disease_genes``
``<C>.release_cohort``          ReleaseCohortDataset     ``source: release``: the block
                                                         ``cohorts.<C>.release`` over
                                                         ``ingestion.sources.release``
``reporting.gene_set_library``  GeneSetLibraryDataset    ``reporting.enrichment.gmt``,
                                                         ``go_obo`` + ``go_gaf``
``reporting.paper_table_<n>``   PaperTableDataset        ``reporting.paper_tables`` (a folder)
==============================  =======================  ==========================================

Synthetic cohorts read nothing: a node generates them from their parameters and the packaged
annotation tables (``gencode_genes``, ``gene_length_gc``: plain entries of ``catalog.yml``).
``catalog.yml`` declares the types of the datasets above too, as factories, so that ``kedro
catalog`` and kedro-viz show them without hooks; their settings always come from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from degnext import cohorts
from degnext.datasets import (
    CohortSourceDataset,
    DiseaseGeneListDataset,
    GeneSetLibraryDataset,
    PaperTableDataset,
    ReleaseCohortDataset,
)
from degnext.datasets.input_dataset import InputDataset
from degnext.errors import DEGnextInputError

PAPER_TABLES = {2: "table2_general_learning_T3.csv", 3: "table3_transfer_learning_Q.csv"}


def input_datasets(parameters: dict[str, Any]) -> dict[str, InputDataset]:
    """Dataset name -> the input dataset that the run's ``parameters`` configure.

    An unknown ``cohorts.<C>.source``, or source settings its reader does not take, fail here,
    when the catalog is built, before any node runs.
    """
    merged = cohorts.node_parameters(parameters)
    built: dict[str, InputDataset] = {}
    for name, cohort in cohorts.configured_cohorts(parameters).items():
        built |= _cohort_inputs(name, cohort, merged[f"{name}.ingestion"])
    if "reporting" in parameters:
        built |= _reporting_inputs(parameters["reporting"])
    return built


def _cohort_inputs(name: str, cohort: dict, ingestion: dict) -> dict[str, InputDataset]:
    source = cohort.get("source")
    if source == "synthetic":
        return {}
    known = ingestion.get("sources", {})
    if source not in known:
        raise DEGnextInputError(
            f"parameter 'cohorts.{name}.source' is {source!r}; use 'synthetic' or one of "
            f"{sorted(known)}"
        )
    settings = cohorts.source_settings(cohort, ingestion, source)
    if source == "release":
        root = settings.get("root")
        return {
            f"{name}.release_cohort": ReleaseCohortDataset(
                root=None if root is None else str(root), cancer=settings.get("cancer", name)
            )
        }
    return {
        f"{name}.cohort_source": CohortSourceDataset(source=source, settings=settings, cohort=name),
        f"{name}.disease_gene_list": DiseaseGeneListDataset(
            filepath=cohort.get("disease_genes"), cohort=name
        ),
    }


def _reporting_inputs(reporting: dict) -> dict[str, InputDataset]:
    options = reporting["enrichment"]
    go = bool(options["go_obo"] and options["go_gaf"])  # one of the two alone is not used
    folder = reporting.get("paper_tables")
    tables = {
        f"reporting.paper_table_{number}": PaperTableDataset(
            filepath=None if folder is None else str(Path(folder) / file)
        )
        for number, file in PAPER_TABLES.items()
    }
    library = GeneSetLibraryDataset(
        gmt=list(options["gmt"]),
        go_obo=options["go_obo"] if go else None,
        go_gaf=options["go_gaf"] if go else None,
    )
    return {"reporting.gene_set_library": library, **tables}

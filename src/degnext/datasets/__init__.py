"""Kedro datasets of the DEGnext project; every file dataset saves atomically.

The run's inputs (a cohort's source, its disease genes, the release, gene sets, the paper's tables,
the packaged annotations) are read-only ``InputDataset``s.
"""

from degnext.datasets.annotation_table_dataset import AnnotationTableDataset
from degnext.datasets.checkpoint_dataset import CheckpointDataset
from degnext.datasets.cohort_source_dataset import CohortSourceDataset
from degnext.datasets.disease_gene_list_dataset import DiseaseGeneListDataset
from degnext.datasets.file_datasets import (
    CSVDataset,
    JSONDataset,
    MatplotlibDataset,
    ParquetDataset,
    PartitionedDataset,
    TextDataset,
)
from degnext.datasets.gene_set_library_dataset import GeneSetLibraryDataset
from degnext.datasets.multiqc_table_dataset import MultiqcTableDataset
from degnext.datasets.paper_table_dataset import PaperTableDataset
from degnext.datasets.png_dataset import PNGDataset
from degnext.datasets.release_cohort_dataset import ReleaseCohortDataset
from degnext.datasets.skops_dataset import SkopsDataset
from degnext.datasets.state_dict_dataset import StateDictDataset

__all__ = [
    "AnnotationTableDataset",
    "CSVDataset",
    "CheckpointDataset",
    "CohortSourceDataset",
    "DiseaseGeneListDataset",
    "GeneSetLibraryDataset",
    "JSONDataset",
    "MatplotlibDataset",
    "MultiqcTableDataset",
    "PNGDataset",
    "PaperTableDataset",
    "ParquetDataset",
    "PartitionedDataset",
    "ReleaseCohortDataset",
    "SkopsDataset",
    "StateDictDataset",
    "TextDataset",
]

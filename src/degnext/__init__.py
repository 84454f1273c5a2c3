"""DEGnext: classify differentially expressed genes of TCGA cohorts as up- or down-regulated."""

__version__ = "0.1.0"

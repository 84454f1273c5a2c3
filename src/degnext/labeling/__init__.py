"""Differential-expression labels as TCGAbiolinks makes them: outliers, normalization, filter, edgeR's exact test."""

"""Scores, baselines, enrichment and the report's building blocks."""

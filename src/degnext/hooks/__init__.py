"""Kedro hooks: run parameters, parallel workers, lineage, failure outputs, run info."""

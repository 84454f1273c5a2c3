"""Runners beyond Kedro's own: ``kedro run --runner degnext.runners.DaskRunner``.

dask and distributed are an optional extra (``pip install -e ".[dask]"``); they are imported
when a run starts, so importing this package never needs them.
"""

from degnext.runners.dask_runner import DaskRunner

__all__ = ["DaskRunner"]

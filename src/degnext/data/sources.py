"""Which reader builds a cohort: the ``source`` parameter names one, its block gives the arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from degnext.data.cohort import Cohort
from degnext.data.count_files import read_gdc_folder
from degnext.data.count_matrix import read_matrix
from degnext.errors import DEGnextInputError


def _fetch_cohort() -> Callable[..., Cohort]:
    from degnext.data.gdc import fetch_cohort  # network client, imported only when chosen

    return fetch_cohort


def _interop(reader: str) -> Callable[[], Callable[..., Cohort]]:
    def load() -> Callable[..., Cohort]:
        from degnext.data import interop  # anndata/h5py, imported only when chosen

        return getattr(interop, reader)

    return load


# source name -> factory returning the loader, so optional sources import only when chosen.
COHORT_LOADERS: dict[str, Callable[[], Callable[..., Cohort]]] = {
    "gdc": _fetch_cohort,
    "gdc_folder": lambda: read_gdc_folder,
    "matrix": lambda: read_matrix,
    "nfcore": _interop("read_nfcore_counts"),
    "anndata": _interop("read_anndata"),
}


def source_reader(source: str, params: dict) -> Callable[..., Cohort]:
    """The reader of the `source` parameter, once its `params` mapping is known to fit it.

    Called when a cohort's source dataset is built, so that a wrong key fails before any download.
    """
    if source not in COHORT_LOADERS:
        raise DEGnextInputError(
            f"parameter source={source!r} is unknown; choose one of {', '.join(COHORT_LOADERS)}"
        )
    loader = COHORT_LOADERS[source]()
    accepted = inspect.signature(loader).parameters
    unknown = sorted(set(params) - set(accepted))
    required = sorted(
        name
        for name, parameter in accepted.items()
        if parameter.default is inspect.Parameter.empty and name not in params
    )
    if unknown or required:
        raise DEGnextInputError(
            f"parameters of source {source!r}: unknown {unknown}, missing required {required}; "
            f"accepted: {', '.join(accepted)}"
        )
    return loader


def load_cohort(source: str, params: dict) -> Cohort:
    """Build the cohort named by the `source` parameter from its `params` mapping."""
    return source_reader(source, params)(**params)

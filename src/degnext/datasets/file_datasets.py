"""The kedro-datasets file datasets the catalog uses, with atomic saves (``degnext.datasets.atomic``).

Each class is its kedro-datasets namesake with one change: ``save`` writes a temporary sibling
and moves it into place, so a failed or killed run never leaves a truncated file where a good one
stood. Loading, arguments and YAML are the namesake's; only the ``type`` changes.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from kedro_datasets.json import JSONDataset as _JSONDataset
from kedro_datasets.matplotlib import MatplotlibDataset as _MatplotlibDataset
from kedro_datasets.pandas import CSVDataset as _CSVDataset
from kedro_datasets.pandas import ParquetDataset as _ParquetDataset
from kedro_datasets.partitions import PartitionedDataset as _PartitionedDataset
from kedro_datasets.text import TextDataset as _TextDataset

from degnext.datasets.atomic import write_atomically


def _unwrapped(method):
    """The parent's own ``save``, without Kedro's logging wrapper (the subclass adds its own)."""
    return getattr(method, "__wrapped__", method)


class _NamedInitArgs:
    """Keeps ``to_config()`` right for a subclass whose ``__init__`` is inherited or ``**kwargs``.

    Kedro records a dataset's ``__init__`` arguments by name for ``DataCatalog.to_config()`` (which
    DaskRunner's workers rebuild datasets from); such a subclass is recorded as
    ``{"args": (), "kwargs": {...}}``, which no constructor accepts. Flatten it back.
    """

    def _init_config(self) -> dict[str, Any]:
        config = super()._init_config()
        config.update(config.pop("kwargs", None) or {})
        config.pop("args", None)
        return config


class AtomicSaveMixin(_NamedInitArgs):
    """Routes a kedro-datasets ``save`` through a temporary path, then moves the file into place.

    The namesake's ``save`` asks ``_get_save_path()`` where to write; during a save that answer
    is the temporary path.
    """

    _saving_to: PurePosixPath | None = None

    def _get_save_path(self) -> PurePosixPath:
        return self._saving_to or super()._get_save_path()

    def save(self, data: Any) -> None:
        parent_save = _unwrapped(super().save)
        target = str(self._get_save_path())  # fsspec paths carry no protocol

        def write(temporary: str) -> None:
            self._saving_to = PurePosixPath(temporary)
            try:
                parent_save(self, data)
            finally:
                self._saving_to = None

        write_atomically(self._fs, target, write, versioned=bool(self._version))
        self._invalidate_cache()


class ParquetDataset(AtomicSaveMixin, _ParquetDataset):
    """``pandas.ParquetDataset`` with atomic saves.

    Examples:
        ```yaml
        "{cohort}.expression":
          type: degnext.datasets.ParquetDataset
          filepath: data/04_feature/{cohort}/expression.parquet
        ```
    """


class JSONDataset(AtomicSaveMixin, _JSONDataset):
    """``json.JSONDataset`` with atomic saves.

    Examples:
        ```yaml
        "{cohort}.general_metrics":
          type: degnext.datasets.JSONDataset
          filepath: data/07_model_output/{cohort}/general_metrics.json
          save_args: {indent: 2}
        ```
    """


class CSVDataset(AtomicSaveMixin, _CSVDataset):
    """``pandas.CSVDataset`` with atomic saves.

    Examples:
        ```yaml
        reporting.general_table:
          type: degnext.datasets.CSVDataset
          filepath: data/08_reporting/table_general_learning_T3.csv
          save_args: {index: false}
        ```
    """


class TextDataset(AtomicSaveMixin, _TextDataset):
    """``text.TextDataset`` with atomic saves.

    Examples:
        ```yaml
        reporting.html:
          type: degnext.datasets.TextDataset
          filepath: data/08_reporting/report.html
        ```
    """


class MatplotlibDataset(AtomicSaveMixin, _MatplotlibDataset):
    """``matplotlib.MatplotlibDataset`` with atomic saves (a list or dict of figures: the folder).

    Examples:
        ```yaml
        reporting.roc_figure:
          type: degnext.datasets.MatplotlibDataset
          filepath: data/08_reporting/roc_general_learning.png
          save_args: {dpi: 120, bbox_inches: tight}
        ```
    """


class PartitionedDataset(_NamedInitArgs, _PartitionedDataset):
    """``partitions.PartitionedDataset`` whose folder is replaced only once the new set is complete.

    The partitions are written into a temporary folder which then takes the old folder's place,
    so a run that dies half-way leaves the previous set, never a mix. A save always replaces the
    whole folder (``overwrite: true`` is implied).

    Examples:
        ```yaml
        "{cohort}.first_level_fold_models":
          type: degnext.datasets.PartitionedDataset
          path: data/06_models/{cohort}/first_level_folds
          dataset: degnext.datasets.CheckpointDataset
          filename_suffix: .pt
        ```
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("overwrite", None)
        super().__init__(overwrite=False, **kwargs)

    def save(self, data: dict[str, Any]) -> None:
        parent_save = _unwrapped(super().save)
        target = self._path

        def write(temporary: str) -> None:
            self._filesystem.makedirs(temporary, exist_ok=True)  # an empty set is a folder too
            self._path = self._join_protocol(temporary)
            try:
                parent_save(self, data)
            finally:
                self._path = target

        folder = self._filesystem._strip_protocol(self._normalized_path).rstrip(self._sep)
        write_atomically(self._filesystem, folder, write)
        self._invalidate_caches()

"""``CohortSourceDataset`` loads one cohort's raw counts from the source its parameters name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from degnext.data.cohort import Cohort
from degnext.data.sources import load_cohort, source_reader
from degnext.datasets.input_dataset import InputDataset
from degnext.errors import DEGnextInputError

# Settings that name a file or folder the source reads (cache_dir is made when missing).
_FILE_SETTINGS = ("path", "folder", "sample_sheet")


class CohortSourceDataset(InputDataset[Cohort]):
    """Loads a ``Cohort`` (counts, samples, genes, provenance) through one source's reader.

    ``source`` names the reader of ``degnext.data.sources``: ``gdc`` queries the GDC API and
    downloads the counts (resumably, into ``cache_dir``) when the dataset is loaded;
    ``gdc_folder``, ``matrix``, ``nfcore`` and ``anndata`` read files. ``settings`` are the
    reader's arguments, checked when the dataset is built, so a wrong key fails before any
    download. A run builds one per cohort from ``cohorts.<C>.source`` and ``cohorts.<C>.<source>``
    over ``ingestion.sources.<source>`` (``degnext.input_datasets``); ``cohort`` names it in errors.

    Examples:
        In ``catalog.yml``:

        ```yaml
        MYCOHORT.cohort_source:
          type: degnext.datasets.CohortSourceDataset
          source: matrix
          settings: {path: counts.tsv, sample_sheet: samples.csv}
        ```
    """

    def __init__(
        self,
        *,
        source: str | None = None,
        settings: dict[str, Any] | None = None,
        cohort: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``CohortSourceDataset``.

        Args:
            source: ``gdc``, ``gdc_folder``, ``matrix``, ``nfcore`` or ``anndata``.
            settings: Arguments of that source's reader (README 'Real data').
            cohort: The cohort's name, for errors that name its parameters.
            metadata: Free-form metadata, ignored by Kedro.
        """
        self._source = source
        self._settings = dict(settings or {})
        self._cohort = cohort
        self.metadata = metadata
        if source is not None:
            source_reader(source, self._settings)

    def _describe(self) -> dict[str, Any]:
        return {"source": self._source, "settings": self._settings, "cohort": self._cohort}

    def _setting(self, key: str) -> str:
        if self._cohort is None:
            return f"CohortSourceDataset setting {key!r}"
        return f"parameter 'cohorts.{self._cohort}.{key}'"

    def check(self) -> None:
        if self._source is None:
            raise DEGnextInputError(
                f"{self._setting('source')} is not set: name the cohort's source (README 'Real "
                "data'), whose settings then go in a block of the same name"
            )
        for key in _FILE_SETTINGS:
            value = self._settings.get(key)
            if value is not None and not Path(value).exists():
                raise DEGnextInputError(
                    f"{self._setting(f'{self._source}.{key}')}: no file {value}"
                )

    def load(self) -> Cohort:
        self.check()
        return load_cohort(self._source, self._settings)

"""``ReleaseCohortDataset`` loads the authors' released splits of one cancer."""

from __future__ import annotations

from typing import Any

from degnext.data.release import ReleaseCohort, check_release, read_release
from degnext.datasets.input_dataset import InputDataset
from degnext.errors import DEGnextInputError


class ReleaseCohortDataset(InputDataset[ReleaseCohort]):
    """Loads one cancer of the DEGnext release (``degnext.data.release.read_release``).

    The release is already normalized, labeled and split; the dataset stacks the split matrices
    it finds under ``<root>/datasets`` into one ``ReleaseCohort``. A run builds one per cohort of
    ``source: release`` from ``ingestion.sources.release`` and ``cohorts.<C>.release``
    (``degnext.input_datasets``).

    Examples:
        In ``catalog.yml``:

        ```yaml
        CHOL.release_cohort:
          type: degnext.datasets.ReleaseCohortDataset
          root: ../shared/data/degnext_release
          cancer: CHOL
        ```
    """

    def __init__(
        self,
        *,
        cancer: str,
        root: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``ReleaseCohortDataset``.

        Args:
            cancer: The TCGA cancer, e.g. ``CHOL`` (a ``TCGA-`` prefix is dropped).
            root: The release folder, which holds ``datasets/TCGA-<cancer>_*``.
            metadata: Free-form metadata, ignored by Kedro.
        """
        self._cancer = cancer
        self._root = root
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"root": self._root, "cancer": self._cancer}

    def check(self) -> None:
        if self._root is None:
            raise DEGnextInputError(
                f"release cohort {self._cancer}: no release folder; set parameter "
                "'ingestion.sources.release.root' (or the cohort's 'release.root')"
            )
        check_release(self._root, self._cancer)

    def load(self) -> ReleaseCohort:
        self.check()
        return read_release(self._root, self._cancer)

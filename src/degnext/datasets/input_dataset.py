"""``InputDataset``: what the run's read-only inputs share (a user's files, a release, gene sets).

An input is read, never written: ``save`` refuses. ``check`` tells, before the run starts
(``degnext.hooks.upstream``), whether a load would find its files, and names the file or the
parameter that points at it, so a missing file of the last cohort stops the run before the first
cohort's download. ``_exists`` is that check, answered as a bool.
"""

from __future__ import annotations

from typing import Any, TypeVar

from kedro.io.core import AbstractDataset, DatasetError

from degnext.errors import DEGnextInputError

_DO = TypeVar("_DO")


class InputDataset(AbstractDataset[Any, _DO]):
    """A read-only dataset: ``load`` reads what the run starts from, ``save`` raises."""

    def check(self) -> None:
        """Raise ``DEGnextInputError`` where a load would miss a file or a setting; else nothing."""

    def save(self, data: Any) -> None:
        raise DatasetError(
            f"{type(self).__name__} is a read-only input of the run; refusing to write to it "
            f"({self._describe()})"
        )

    def _exists(self) -> bool:
        try:
            self.check()
        except DEGnextInputError:
            return False
        return True

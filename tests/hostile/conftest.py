"""Hostile-input tests: a guard that every file already on disk is left byte-for-byte unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest


class Untouched:
    """Bytes of every file under ``root`` at creation; ``check`` fails on any change or deletion."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.before = self._read()

    def _read(self) -> dict[Path, bytes]:
        return {path: path.read_bytes() for path in self.root.rglob("*") if path.is_file()}

    def check(self) -> set[Path]:
        """Assert the files seen at creation are unchanged; return the files added since."""
        now = self._read()
        changed = [path for path, data in self.before.items() if now.get(path) != data]
        assert not changed, f"pre-existing file(s) changed or removed: {changed}"
        return set(now) - set(self.before)


@pytest.fixture
def untouched() -> Callable[[Path], Untouched]:
    """``untouched(folder)`` snapshots a folder; ``.check()`` later proves nothing in it changed."""
    return Untouched


@contextmanager
def _unchanged(root: Path) -> Iterator[None]:
    guard = Untouched(root)
    yield
    assert guard.check() == set(), "files appeared"


@pytest.fixture
def frozen() -> Callable[[Path], AbstractContextManager[None]]:
    """``with frozen(folder): ...`` fails if the block changes, removes or adds any file there."""
    return _unchanged

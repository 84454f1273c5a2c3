"""Atomic saves: a file or folder is replaced whole, or not at all.

Every save writes a temporary sibling (``.<name>.degnext-tmp-<pid>-<random>``), flushes it to disk
(``fsync``) and moves it over the target with ``os.replace``, which is atomic on one filesystem. A
run that fails or is killed while saving leaves the previous file as it was; its temporary file
is an orphan that the next save of the same dataset removes. On object stores (``s3://``,
``gcs://``), where an upload only becomes visible once complete, the temporary object is moved
with the filesystem's ``mv``.

Folders (a ``PartitionedDataset``, a list or dict of figures) are written complete under a
temporary name, then swapped in: the old folder is renamed aside, the new one renamed in, the old
one deleted. Should a run die between the two renames, the next save puts the old folder back.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

TEMP_MARK = ".degnext-tmp-"
OLD_MARK = f"{TEMP_MARK}old-"


def temp_path(path: str, mark: str = TEMP_MARK) -> str:
    """A unique hidden sibling of ``path`` that ``remove_orphans`` recognises."""
    target = PurePosixPath(path)
    return str(target.with_name(f".{target.name}{mark}{os.getpid()}-{uuid.uuid4().hex[:12]}"))


def remove_orphans(fs: AbstractFileSystem, path: str, versioned: bool = False) -> list[str]:
    """Delete temporary files left beside ``path`` by a run that died while saving.

    A folder set aside by an interrupted swap is put back when ``path`` itself is missing.
    ``versioned``: ``path`` is ``<dataset>/<version>/<name>``; look in every version folder.
    Returns the orphans deleted.
    """
    target = PurePosixPath(path)
    folder = target.parent.parent / "*" if versioned else target.parent
    removed = []
    for orphan in sorted(fs.glob(str(folder / f".{target.name}{TEMP_MARK}*"))):
        if OLD_MARK in PurePosixPath(orphan).name and not fs.exists(path):
            fs.mv(orphan, path, recursive=True)
            continue
        fs.rm(orphan, recursive=True)
        removed.append(orphan)
    return removed


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk (POSIX; Windows cannot open folders)."""
    if os.name != "posix" and path.is_dir():
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(path: Path) -> None:
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        _fsync(item)


def _swap_in(fs: AbstractFileSystem, new: str, path: str) -> None:
    """Move ``new`` onto ``path``: one rename for a file, a swap through a set-aside for a folder."""
    local = isinstance(fs, LocalFileSystem)
    if not fs.isdir(new):
        if local:
            os.replace(new, path)
        else:
            fs.mv(new, path)
    elif fs.exists(path):
        old = temp_path(path, OLD_MARK)
        fs.mv(path, old, recursive=True)
        try:
            fs.mv(new, path, recursive=True)
        except BaseException:
            fs.mv(old, path, recursive=True)
            raise
        fs.rm(old, recursive=True)
    else:
        fs.mv(new, path, recursive=True)
    if local:
        _fsync(Path(path).parent)


def write_atomically(
    fs: AbstractFileSystem, path: str, write: Callable[[str], None], versioned: bool = False
) -> None:
    """Call ``write(temporary_path)``, then move the finished file or folder onto ``path``.

    Orphans of earlier interrupted saves are removed first; on any failure (a full disk, an
    exception in ``write``, Ctrl-C) the temporary file is removed and ``path`` is untouched.
    """
    remove_orphans(fs, path, versioned=versioned)
    temporary = temp_path(path)
    try:
        write(temporary)
        if isinstance(fs, LocalFileSystem):
            _fsync_tree(Path(temporary))
        _swap_in(fs, temporary, path)
    except BaseException:
        if fs.exists(temporary):
            fs.rm(temporary, recursive=True)
        raise

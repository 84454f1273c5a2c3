"""Compare every output file of two runs of the same configuration (e.g. before and after a change).

    python scripts/compare_outputs.py RUN_A/data RUN_B/data

Files are matched by path, with the version folder of versioned datasets
(``model.pt/<timestamp>/model.pt``) left out. A file is equal when its bytes are; a checkpoint
when its weights and metadata are, leaving out the fields that record when and where it was
written; an HTML report when its text and its table rows are, in any order (the order of the
report's parameter rows follows PYTHONHASHSEED today, so two runs of one commit differ there).
Exit status 1 lists every difference and every file that only one run has.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import torch

_ROW = re.compile(r"<tr>.*?</tr>", re.S)
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}\.\d{3}Z$")
# Checkpoint fields that say when, where and by which versions a file was written, not what.
_WRITE_CONTEXT = {"saved_at", "created_at", "host", "hostname", "versions", "library_versions"}


def outputs(root: Path) -> dict[str, Path]:
    """Every file under ``root`` by its path, version folders left out."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        parts = [part for part in path.relative_to(root).parts if not _VERSION.match(part)]
        found["/".join(parts)] = path
    return found


def _without_context(value):
    if isinstance(value, dict):
        return {k: _without_context(v) for k, v in value.items() if k not in _WRITE_CONTEXT}
    if isinstance(value, list | tuple):
        return [_without_context(v) for v in value]
    return value


def _same_checkpoint(a: Path, b: Path) -> bool:
    first, second = (torch.load(p, map_location="cpu", weights_only=True) for p in (a, b))
    first, second = _without_context(first), _without_context(second)
    return _tensors_equal(first, second)


def _tensors_equal(a, b) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and bool(torch.equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_tensors_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_tensors_equal, a, b))
    return a == b


def _same_report(a: Path, b: Path) -> bool:
    first, second = a.read_text(), b.read_text()
    return _ROW.sub("", first) == _ROW.sub("", second) and sorted(_ROW.findall(first)) == sorted(
        _ROW.findall(second)
    )


def same(a: Path, b: Path) -> bool:
    if a.read_bytes() == b.read_bytes():
        return True
    if a.suffix == ".pt":
        return _same_checkpoint(a, b)
    if a.suffix == ".html":
        return _same_report(a, b)
    return False


def compare(first: Path, second: Path) -> list[str]:
    """One line per difference between the two output trees; empty when they are equal."""
    a, b = outputs(first), outputs(second)
    problems = [f"only in {first}: {name}" for name in sorted(a.keys() - b.keys())]
    problems += [f"only in {second}: {name}" for name in sorted(b.keys() - a.keys())]
    common = sorted(a.keys() & b.keys())
    problems += [f"differs: {name}" for name in common if not same(a[name], b[name])]
    return problems


def main() -> int:
    first, second = map(Path, sys.argv[1:3])
    problems = compare(first, second)
    print(f"{len(outputs(first))} files compared")
    print("\n".join(problems) or "every output file is identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

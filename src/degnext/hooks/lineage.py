"""Lineage records: a node never reads outputs of two different versions of the same upstream data.

Atomic saves keep every file whole, but a run that stops half-way (or one run with ``--pipeline``
or ``--from-nodes``) can still leave a mix: ``kedro run`` with another ``labeling.qnt_cut``
rewrote ``A.filtered_counts`` and ``A.expression`` and then failed in the DEA, leaving the old
``A.dea_results`` and ``A.splits``; a later ``kedro run --pipeline cnn_general`` read the new
expression with the old splits ("split genes missing", or, when the new matrix has more genes,
a silently wrong training set).

Beside every file output, a hidden record ``.<name>.lineage.json`` holds the SHA-256 of the file
and of every dataset it was computed from, its ancestors included. Before a node runs, each of
its inputs must have been computed from the versions of its ancestors that are on disk now (as
``make`` would have it); otherwise the node stops with a ``DEGnextInputError`` naming the stale
input and the ``--from-nodes`` that rebuilds it.
Files without a record (external inputs, files from older versions of the project) are not
checked. Records are local-filesystem only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fsspec.implementations.local import LocalFileSystem
from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines
from kedro.io import CatalogProtocol
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node

from degnext.datasets.atomic import write_atomically
from degnext.errors import DEGnextInputError


def data_path(dataset: Any) -> Path | None:
    """The local file or folder a dataset loads from (the latest version if versioned), or None."""
    if getattr(dataset, "_protocol", "file") not in ("file", None):
        return None
    try:
        path = dataset._get_load_path() if getattr(dataset, "_version", None) else None
    except Exception:  # noqa: BLE001 - no version saved yet
        return None
    path = path or getattr(dataset, "_filepath", None) or getattr(dataset, "_path", None)
    return Path(str(path)) if path is not None else None


def record_path(path: Path) -> Path:
    return path.parent / f".{path.name}.lineage.json"


def fingerprint(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, in sorted order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else "").encode())
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_record(path: Path) -> dict | None:
    try:
        return json.loads(record_path(path).read_text())
    except (OSError, ValueError):
        return None


def rebuild_from(pipeline: Pipeline, changed: set[str]) -> list[str]:
    """The nodes that write a changed dataset (or read it, for an input of the pipeline), less
    those downstream of another such node: from there, a run recomputes the changed data with
    the run's parameters and everything built on it."""
    writers = [n for n in pipeline.nodes if changed & set(n.outputs)]
    external = changed - {output for n in writers for output in n.outputs}
    starts = writers + [n for n in pipeline.nodes if external & set(n.inputs)]
    downstream = {
        other.name
        for node in starts
        for other in pipeline.from_nodes(node.name).nodes
        if other is not node
    }
    return sorted({n.name for n in starts if n.name not in downstream})


class LineageHooks:
    """Check a node's inputs against what is on disk before it runs; record its outputs after."""

    def __init__(self) -> None:
        self._catalog: CatalogProtocol | None = None
        self._ancestors: dict[str, dict[str, str]] = {}

    def _record(self, name: str) -> dict | None:
        if self._catalog is None or name not in self._catalog:
            return None
        path = data_path(self._catalog[name])
        return read_record(path) if path is not None else None

    @hook_impl
    def before_node_run(self, node: Node, catalog: CatalogProtocol) -> None:
        """Each input's ancestors must be the versions on disk now (or, without a record, agree)."""
        self._catalog = catalog
        ancestors: dict[str, str] = {}
        stale: dict[str, str] = {}
        for name in node.inputs:
            record = self._record(name)
            if record is None:
                continue
            for ancestor, digest in record["ancestors"].items():
                current = (self._record(ancestor) or {}).get("sha256")
                if digest != (current or ancestors.setdefault(ancestor, digest)):
                    stale.setdefault(ancestor, name)
                ancestors.setdefault(ancestor, digest)
            ancestors[name] = record["sha256"]
        if stale:
            raise stale_error(node, stale)
        self._ancestors[node.name] = ancestors

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, node: Node) -> None:
        path = data_path(self._catalog[dataset_name]) if self._catalog is not None else None
        if path is None or not path.exists():
            return
        record = {
            "sha256": fingerprint(path),
            "node": node.name,
            "ancestors": dict(sorted(self._ancestors.get(node.name, {}).items())),
        }
        text = json.dumps(record, indent=1) + "\n"
        write_atomically(
            LocalFileSystem(), str(record_path(path)), lambda temp: Path(temp).write_text(text)
        )


def stale_error(node: Node, stale: dict[str, str]) -> DEGnextInputError:
    """The error for an input built from other versions of its ancestors than those on disk."""
    ancestor, name = sorted(stale.items())[0]
    start = rebuild_from(pipelines["__default__"], set(stale))
    command = f'kedro run --from-nodes "{",".join(start)}"' if start else "kedro run"
    return DEGnextInputError(
        f"node {node.name!r}: its input {name!r} was computed from another version of "
        f"{ancestor!r} than the one on disk (a run that stopped half-way, or one that ran part "
        f"of the pipeline with other parameters). Rebuild it and what depends on it, with "
        f"this run's parameters: {command}"
    )

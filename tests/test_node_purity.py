"""Issue 15: nodes only turn loaded data into tables; what a run reads comes in as datasets.

No node module opens a file, calls a ``pandas.read_*``, or imports a module that reads files or
the network (outside ``TYPE_CHECKING``, where the loaded objects' types come from).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NODE_MODULES = sorted(
    (Path(__file__).resolve().parents[1] / "src/degnext/pipelines").glob("*/nodes.py")
)
READERS = {
    "gzip", "io", "os", "pathlib", "requests", "shutil", "urllib",
    "degnext.data.annotations", "degnext.data.count_files", "degnext.data.count_matrix",
    "degnext.data.gdc", "degnext.data.gdc_transfer", "degnext.data.gene_sets",
    "degnext.data.interop", "degnext.data.release", "degnext.data.sources",
}  # fmt: skip


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node of the module except the bodies of ``if TYPE_CHECKING:`` blocks."""
    type_only = {
        id(child)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", None) == "TYPE_CHECKING"
        for statement in block.body
        for child in ast.walk(statement)
    }
    return [node for node in ast.walk(tree) if id(node) not in type_only]


def _imports(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


@pytest.mark.parametrize("path", NODE_MODULES, ids=lambda path: path.parent.name)
def test_node_modules_read_nothing(path: Path) -> None:
    problems = []
    for node in _runtime_nodes(ast.parse(path.read_text())):
        problems += [f"imports {name}" for name in _imports(node) if name in READERS]
        if isinstance(node, ast.Call):
            called = node.func
            if isinstance(called, ast.Name) and called.id == "open":
                problems.append(f"line {node.lineno}: open()")
            if isinstance(called, ast.Attribute) and called.attr.startswith("read_"):
                if getattr(called.value, "id", None) in ("pd", "pandas"):
                    problems.append(f"line {node.lineno}: pd.{called.attr}()")
    assert not problems, f"{path.parent.name}/nodes.py: {problems}"


def test_the_check_sees_a_reader() -> None:
    tree = ast.parse("import pathlib\nfrom degnext.data import sources\nopen('f')\n")
    names = [name for node in _runtime_nodes(tree) for name in _imports(node)]
    assert "pathlib" in names and "degnext.data.sources" in names

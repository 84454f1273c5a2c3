"""The project's code read as text (``ast``), never run: modules, imports and the I/O they do.

Used by ``tests/test_architecture.py``. ``Module`` resolves the names a module binds (imports at
module and function level, and its own top-level functions) to qualified names, so a call such
as ``pd.read_csv(...)`` reads as ``pandas.read_csv`` and ``annotations.load_gencode()`` as
``degnext.data.annotations.load_gencode``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tests.tiny_project import PROJECT

SOURCE = PROJECT / "src"
PACKAGE = "degnext"

# Libraries whose only use is reading or writing files, archives, the network or pickles.
IO_LIBRARIES = (
    "requests", "urllib", "urllib3", "httpx", "http", "socket", "ftplib", "gzip", "bz2", "lzma",
    "zipfile", "tarfile", "shutil", "tempfile", "glob", "pickle", "shelve", "sqlite3", "fsspec",
    "h5py", "anndata", "skops.io", "joblib.load", "joblib.dump", "pyarrow.parquet", "pyarrow.csv",
)  # fmt: skip
# Calls that touch files, by qualified name (regular expressions over the whole name).
IO_CALLS = re.compile(
    r"builtins\.open|io\.open|pathlib\.Path|os\.(open|listdir|scandir|walk|remove|unlink|rename"
    r"|replace|makedirs|mkdir|rmdir)|pandas\.read_\w+|numpy\.(load|loadtxt|genfromtxt|fromfile"
    r"|save|savez|savetxt)|torch\.(load|save)|json\.(load|dump)|yaml\.(safe_)?(load|dump)"
    r"|goatools\.obo_parser\.GODag|goatools\.anno\.\w+"
)
# Methods that read or write files whatever object they are called on (a Path, a resource).
IO_METHODS = frozenset(
    {
        "open", "read_text", "read_bytes", "write_text", "write_bytes", "exists", "is_file",
        "is_dir", "glob", "rglob", "iterdir", "stat", "mkdir", "unlink", "touch", "to_csv",
        "to_parquet", "to_pickle", "to_hdf", "to_feather", "to_excel", "savefig",
    }
)  # fmt: skip


def module_paths() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    paths = {}
    for path in sorted((SOURCE / PACKAGE).rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return paths


@dataclass
class Module:
    """One module of the project: its syntax tree and what its names stand for."""

    name: str
    path: Path

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @cached_property
    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(), filename=str(self.path))

    @cached_property
    def functions(self) -> dict[str, ast.FunctionDef]:
        return {n.name: n for n in self.tree.body if isinstance(n, ast.FunctionDef)}

    def absolute(self, node: ast.ImportFrom) -> str:
        """The module an ``ImportFrom`` names, relative imports resolved."""
        if not node.level:
            return node.module or ""
        base = self.name.split(".")
        base = base if self.is_package else base[:-1]
        base = base[: len(base) - node.level + 1]
        return ".".join([*base, *([node.module] if node.module else [])])

    @cached_property
    def bindings(self) -> dict[str, str]:
        """Local name -> qualified name, for every import anywhere in the module."""
        names = {name: f"{self.name}.{name}" for name in self.functions}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        names[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{self.absolute(node)}.{alias.name}"
        return names

    def imports(self, code: ast.AST | None = None) -> list[tuple[int, str]]:
        """(line, qualified name) of everything imported in ``code`` (default: the whole module),
        at module or function level."""
        found = []
        for node in ast.walk(code or self.tree):
            if isinstance(node, ast.Import):
                found += [(node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = self.absolute(node)
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        return found

    def qualify(self, expression: ast.expr) -> str | None:
        """``pd.read_csv`` -> ``pandas.read_csv``; None for a call on a computed object.

        A name the module does not bind reads as a builtin (``open`` -> ``builtins.open``); local
        variables read so too, which no I/O pattern names.
        """
        if isinstance(expression, ast.Name):
            if expression.id in self.bindings:
                return self.bindings[expression.id]
            return f"builtins.{expression.id}"
        if isinstance(expression, ast.Attribute):
            base = self.qualify(expression.value)
            return None if base is None else f"{base}.{expression.attr}"
        return None


def project_modules() -> dict[str, Module]:
    return {name: Module(name, path) for name, path in module_paths().items()}


def resolve(name: str, modules: dict[str, Module]) -> str | None:
    """The project module that a qualified import name lands in (longest known prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return None


def import_graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Module -> the project modules it imports, module-level and function-level alike."""
    return {
        name: {
            target
            for _, imported in module.imports()
            if (target := resolve(imported, modules)) and target != name
        }
        for name, module in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def io_library(name: str) -> str | None:
    """The deny-listed library a qualified name belongs to, if any."""
    return next((lib for lib in IO_LIBRARIES if name == lib or name.startswith(f"{lib}.")), None)


def in_memory_buffers(module: Module, code: ast.AST) -> set[str]:
    """Names that ``code`` binds to an ``io.BytesIO()`` or ``io.StringIO()``."""
    buffers = set()
    for node in ast.walk(code):
        pairs = []
        if isinstance(node, ast.Assign):
            pairs = [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs = [(node.optional_vars, node.context_expr)]
        for target, value in pairs:
            if isinstance(target, ast.Name) and isinstance(value, ast.Call):
                if module.qualify(value.func) in ("io.BytesIO", "io.StringIO"):
                    buffers.add(target.id)
    return buffers


def direct_io(module: Module, call: ast.Call, buffers: set[str]) -> str | None:
    """What this call does to files or the network, judged from the call alone; None if nothing.

    Calls of project functions are left to ``IoFinder``, which looks inside them; a method that
    writes into one of ``buffers`` (in memory) is no I/O.
    """
    name = module.qualify(call.func)
    if name is not None and name.startswith(f"{PACKAGE}."):
        return None
    if name is not None and (io_library(name) or IO_CALLS.fullmatch(name)):
        return name
    if isinstance(call.func, ast.Attribute) and call.func.attr in IO_METHODS:
        into = call.args[0] if call.args else None
        if not (isinstance(into, ast.Name) and into.id in buffers):
            return f"{ast.unparse(call.func)}()"
    return None


@dataclass
class IoFinder:
    """Finds the I/O a piece of code does itself or through the project functions it calls."""

    modules: dict[str, Module]
    _memo: dict[str, list[str]] = field(default_factory=dict)

    def through(self, qualified: str) -> list[str]:
        """I/O done by project function ``qualified`` (``module.function``), transitively."""
        if qualified in self._memo:
            return self._memo[qualified]
        self._memo[qualified] = []  # a recursive call adds nothing new
        module_name, _, function = qualified.rpartition(".")
        module = self.modules.get(module_name)
        if module is None or function not in module.functions:
            return []
        reasons = self.in_code(module, module.functions[function], follow_own=True)
        reasons.sort(key=lambda reason: reason.endswith("pathlib.Path"))  # the read itself first
        self._memo[qualified] = [f"{qualified} -> {reason}" for reason in reasons[:1]]
        return self._memo[qualified]

    def in_code(self, module: Module, code: ast.AST, follow_own: bool = False) -> list[str]:
        """``path:line: what`` for every I/O import or call in ``code``, direct or through a call.

        Calls of ``module``'s own functions are followed only with ``follow_own`` (when ``code``
        is the whole module, they are part of it already).
        """
        where = (
            module.path.relative_to(PROJECT) if module.path.is_relative_to(PROJECT) else module.path
        )
        found = [
            f"{where}:{line}: imports {name}"
            for line, name in module.imports(code)
            if io_library(name)
        ]
        buffers = in_memory_buffers(module, code)
        for call in (n for n in ast.walk(code) if isinstance(n, ast.Call)):
            if reason := direct_io(module, call, buffers):
                found.append(f"{where}:{call.lineno}: calls {reason}")
                continue
            name = module.qualify(call.func) or ""
            own = name.rpartition(".")[0] == module.name
            if name.startswith(f"{PACKAGE}.") and (follow_own or not own):
                for reason in self.through(name):
                    found.append(f"{where}:{call.lineno}: calls {reason}")
        return sorted(dict.fromkeys(found), key=lambda text: int(text.split(":")[1]))

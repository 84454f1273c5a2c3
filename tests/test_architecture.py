"""Structural acceptance checks: they read the code (`ast`) and build the pipelines, never run them.

Modules stay short, pipelines do not import each other, no import cycle, nodes are plain
functions (no ``functools.partial``), and node modules do no I/O: files, archives, the network
and pickles belong to datasets, so every node stays a pure function of what the catalog hands it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import typing

import pytest
from kedro.pipeline import Pipeline

from degnext import cohorts, pipeline_registry
from degnext.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS
from tests.code_graph import (
    SOURCE,
    IoFinder,
    Module,
    cycles,
    import_graph,
    module_paths,
    project_modules,
)
from tests.tiny_project import PROJECT

MAX_LINES = 400
PIPELINES = "degnext.pipelines"
ENVIRONMENTS = ("base", "paper", "release")


def pipeline_packages() -> set[str]:
    folder = SOURCE / PIPELINES.replace(".", "/")
    return {path.parent.name for path in folder.glob("*/__init__.py")}


@pytest.fixture(scope="module")
def registries() -> dict[str, dict[str, Pipeline]]:
    """The registry's pipelines for the default configuration and each named environment."""
    built = {}
    for env in ENVIRONMENTS:
        loader = CONFIG_LOADER_CLASS(str(PROJECT / "conf"), env=env, **CONFIG_LOADER_ARGS)
        cohorts.set_run_parameters(loader["parameters"])
        try:
            built[env] = pipeline_registry.register_pipelines()
        finally:
            cohorts.set_run_parameters(None)
    return built


def _node_functions(registries: dict[str, dict[str, Pipeline]]) -> dict[str, set[str]]:
    """``where node.func is defined`` -> the pipelines and nodes that use it."""
    found: dict[str, set[str]] = {}
    for env, registry in registries.items():
        for name, pipeline in registry.items():
            for node in pipeline.nodes:
                func = getattr(node.func, "func", node.func)  # a partial's wrapped function
                found.setdefault(func.__module__, set()).add(f"{env}:{name}:{node.name}")
    return found


def test_no_module_is_over_400_lines():
    lengths = {
        str(path.relative_to(PROJECT)): len(path.read_text().splitlines())
        for path in module_paths().values()
    }
    long = {path: n for path, n in sorted(lengths.items()) if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_pipeline_imports_another_pipeline():
    packages = pipeline_packages()
    offenders = []
    for name, module in project_modules().items():
        if not name.startswith(f"{PIPELINES}.") or name.split(".")[2] not in packages:
            continue
        own = name.split(".")[2]
        for line, imported in module.imports():
            parts = imported.split(".")
            if imported.startswith(f"{PIPELINES}.") and parts[2] in packages and parts[2] != own:
                offenders.append(f"{module.path.relative_to(PROJECT)}:{line}: imports {imported}")
    assert not offenders, "pipeline packages import each other:\n" + "\n".join(offenders)


def test_no_import_cycle_among_project_modules():
    modules = project_modules()
    graph = import_graph(modules)
    found = cycles(graph)
    details = [
        " <-> ".join(cycle)
        + "\n    "
        + "\n    ".join(f"{a} imports {b}" for a in cycle for b in sorted(graph[a]) if b in cycle)
        for cycle in found
    ]
    assert not found, "import cycles (module and function-level imports):\n" + "\n".join(details)


def test_no_node_wraps_functools_partial(registries):
    partials = [
        f"{env}:{name}:{node.name} wraps {node.func.func.__module__}.{node.func.func.__name__}"
        for env, registry in registries.items()
        for name, pipeline in registry.items()
        for node in pipeline.nodes
        if isinstance(node.func, functools.partial)
    ]
    assert not partials, "nodes built on functools.partial:\n" + "\n".join(sorted(set(partials)))


def test_node_modules_do_no_io(registries):
    """``pipelines/*/nodes.py`` and every module that defines a node function: no I/O library,
    no file reads or writes (``open``, ``pd.read_*``, ``Path(...)``, ``.read_text``, ``torch.load``
    ...), and no call of a project function that does such I/O."""
    modules = project_modules()
    node_modules = {name for name in modules if name.endswith(".nodes")}
    node_modules |= set(_node_functions(registries)) & set(modules)
    finder = IoFinder(modules)
    offenders = [
        reason
        for name in sorted(node_modules)
        for reason in finder.in_code(modules[name], modules[name].tree)
    ]
    assert not offenders, "I/O in node modules:\n" + "\n".join(offenders)


IO_SAMPLE = """
import gzip
import pandas as pd
import torch
from pathlib import Path


def node(table, path):
    with open(path) as handle:
        handle.read()
    Path(path).read_text()
    torch.load(path)
    return pd.read_parquet(path)
"""


def test_the_io_check_names_each_kind_of_io(tmp_path):
    sample = tmp_path / "nodes.py"
    sample.write_text(IO_SAMPLE)
    module = Module("degnext.pipelines.sample.nodes", sample)
    found = [reason.split(": ", 1)[1] for reason in IoFinder({}).in_code(module, module.tree)]
    assert found == [
        "imports gzip",
        "calls builtins.open",
        "calls Path(path).read_text()",
        "calls pathlib.Path",
        "calls torch.load",
        "calls pandas.read_parquet",
    ]


def test_the_checks_see_every_pipeline_and_node_module(registries):
    """Guards the checks above against passing because they looked at nothing."""
    assert pipeline_packages() >= {"ingestion", "labeling", "splitting", "reporting", "predict"}
    defined_in = _node_functions(registries)
    assert "degnext.pipelines.labeling.nodes" in defined_in
    assert all(registry["__default__"].nodes for registry in registries.values())
    assert len(import_graph(project_modules())) == len(module_paths()) > 50


def test_every_node_function_has_type_hints_kedro_can_resolve():
    """Kedro 1.x validates node inputs from the type hints and warns when it cannot read them
    (e.g. a type imported only under TYPE_CHECKING); every public function of a node module,
    including the ingestion nodes of file and GDC sources that no embedded config builds, must
    resolve."""
    unresolved = []
    for path in sorted((PROJECT / "src/degnext/pipelines").glob("*/nodes.py")):
        module = importlib.import_module(f"degnext.pipelines.{path.parent.name}.nodes")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            try:
                typing.get_type_hints(function)
            except NameError as error:
                unresolved.append(f"{module.__name__}.{name}: {error}")
    assert not unresolved, "\n".join(unresolved)

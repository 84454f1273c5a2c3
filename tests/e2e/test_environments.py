"""Issue 17: each environment writes under its own data root, so no run overwrites another's files.

Checked on the catalogs themselves (no run needed): every dataset that a pipeline writes resolves,
in each environment, to a file under that environment's data root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_project import make_project

# Prints {dataset: filepath} for every file output of every registered pipeline of one environment.
WRITTEN_PATHS = """
import json, sys
from pathlib import Path
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import MemoryDataset

bootstrap_project(Path.cwd())
env = sys.argv[1] or None
extra = dict(arg.split("=", 1) for arg in sys.argv[2:])
with KedroSession.create(project_path=Path.cwd(), env=env, runtime_params=extra) as session:
    catalog = session.load_context().catalog
    outputs = set().union(*(p.all_outputs() for p in pipelines.values()))
    paths = {}
    for name in sorted(outputs):
        dataset = catalog.get(name)
        if dataset is None or isinstance(dataset, MemoryDataset):  # in memory only: never written
            continue
        paths[name] = str(getattr(dataset, "_filepath", None) or getattr(dataset, "_path", ""))
print("PATHS=" + json.dumps(paths))
"""


def written_paths(root: Path, env: str = "", *params: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", WRITTEN_PATHS, env, *params],
        cwd=root,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PATHS=")]
    if result.returncode != 0 or not lines:
        pytest.fail(
            f"catalog of env {env or 'local'!r}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return json.loads(lines[-1].removeprefix("PATHS="))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("envs"))


def test_the_release_and_the_default_environment_write_to_disjoint_folders(project):
    default = written_paths(project)
    release = written_paths(project, "release")
    data, release_root = project / "data", project / "data/release"
    assert default and release
    for name, path in default.items():
        assert Path(path).is_relative_to(data), (name, path)
        assert not Path(path).is_relative_to(release_root), (name, path)
    for name, path in release.items():
        assert Path(path).is_relative_to(release_root), (name, path)
    # the datasets both environments write (the transfer model, the report, ...) differ in path
    shared_names = default.keys() & release.keys()
    assert {"transfer.model", "reporting.html"} <= shared_names
    assert not {default[name] for name in shared_names} & {release[name] for name in shared_names}


def test_data_root_moves_one_runs_outputs(project, tmp_path):
    moved = written_paths(project, "", f"data_root={tmp_path / 'elsewhere'}")
    assert moved["transfer.model"] == str(tmp_path / "elsewhere/06_models/transfer/model.pt")
    assert all(Path(path).is_relative_to(tmp_path / "elsewhere") for path in moved.values())

"""Issue 17: README is true and runnable: its fences close, its Python runs, its YAML parses."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.tiny_project import PROJECT, TINY_COHORTS, kedro, make_project

README = PROJECT / "README.md"
FENCE = re.compile(r"^(\s*)```(.*)$")


def code_blocks(text: str) -> list[tuple[int, str, str]]:
    """(line, language, code) of every fenced block; fails on a fence that never closes."""
    blocks, opened, language, body = [], None, "", []
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if opened is None and match:
            language = match.group(2).strip()
            assert re.fullmatch(r"[\w+-]*", language), (
                f"README line {number}: a fence opens with {language!r} after it; text after a "
                "closing fence opens a new block instead"
            )
            opened, body = number, []
        elif opened is not None and match:
            assert not match.group(2).strip(), f"README line {number}: text after a closing fence"
            blocks.append((opened, language, "\n".join(body)))
            opened = None
        elif opened is not None:
            body.append(line)
    assert opened is None, f"README: the fence opened at line {opened} never closes"
    return blocks


def test_every_fence_closes_and_no_heading_is_swallowed():
    blocks = code_blocks(README.read_text())
    assert blocks
    for line, _, code in blocks:
        assert not re.search(r"^## ", code, flags=re.M), f"README line {line}: a heading in code"
    headings = [line for line in README.read_text().splitlines() if line.startswith("## ")]
    assert "## Cohorts and parameters" in headings


def test_a_fence_left_open_is_caught():
    with pytest.raises(AssertionError, match="text after a closing fence"):
        code_blocks("```python\nx = 1\n``` Lineage: text\n\n## Heading\n")
    with pytest.raises(AssertionError, match="never closes"):
        code_blocks("```python\nx = 1\n\n## Heading\n")


def test_yaml_blocks_parse():
    for line, language, code in code_blocks(README.read_text()):
        if language == "yaml":
            assert isinstance(yaml.safe_load(code), dict), f"README line {line}"


def test_readme_uses_the_pipelines_option():
    """Kedro 1.7 deprecates --pipeline (singular); README's commands use --pipelines."""
    assert not re.search(r"kedro run[^\n`]*--pipeline(?![s\w])", README.read_text())
    assert re.search(r"kedro run[^\n`]*--pipelines(?![\w])", README.read_text())


def test_python_blocks_run_as_written_after_a_run(shared, tmp_path):
    """Each ```python block runs from the project root of a tiny project with ../shared beside it.

    The blocks read what ``kedro run`` writes for SYN_CHOL, so the tiny project names a cohort
    SYN_CHOL and runs ingestion and labeling for it first.
    """
    root = make_project(tmp_path / "project")
    (tmp_path / "shared").symlink_to(shared, target_is_directory=True)
    params = yaml.safe_load((root / "conf/local/parameters.yml").read_text())
    params["cohorts"] = {"A": TINY_COHORTS["A"], "SYN_CHOL": TINY_COHORTS["C"]}
    (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(params))
    kedro(root, "run", "--pipelines", "ingestion,labeling", "--namespaces", "SYN_CHOL")
    python = [(line, code) for line, language, code in code_blocks(README.read_text()) if language == "python"]  # fmt: skip
    assert python
    for line, code in python:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"README line {line}:\n{result.stderr[-3000:]}"

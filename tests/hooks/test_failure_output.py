"""Issue 16, item 6: bad input ends ``kedro run`` with its message, not a 190-line traceback."""

from __future__ import annotations

import sys

from kedro.pipeline import Pipeline, node

from degnext.errors import DEGnextInputError
from degnext.hooks.failure_output import FailureOutputHooks, input_error_in, resume_nodes
from tests.tiny_project import kedro, make_project

MESSAGE = "parameter 'cohorts.A.synthetic.like' names unknown cohort 'NOPE'"
BAD_PROFILE = ("run", "--pipeline", "ingestion", "--namespaces", "A", "--params", "cohorts.A.synthetic.like=NOPE")  # fmt: skip


def test_bad_input_ends_the_run_with_its_message_and_no_traceback(tmp_path):
    result = kedro(make_project(tmp_path), *BAD_PROFILE, check=False)
    assert result.returncode == 1
    last = result.stderr.rstrip().splitlines()[-1]
    assert last.startswith(f"DEGnextInputError: {MESSAGE}")
    assert "known TCGA profiles" in last
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "DEGNEXT_TRACEBACK=1" in output


def test_degnext_traceback_1_shows_the_full_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("DEGNEXT_TRACEBACK", "1")
    result = kedro(make_project(tmp_path), *BAD_PROFILE, check=False)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "_synthetic" in result.stderr  # the frame that raised
    assert MESSAGE in result.stderr


def _hook_output(error: BaseException, capsys, pipeline=None, done=()) -> tuple[str, list]:
    """What the installed excepthook prints for ``error``, and what it passed on to rich's."""
    passed_on = []
    previous = sys.excepthook
    sys.excepthook = lambda *args: passed_on.append(args[1])
    try:
        hooks = FailureOutputHooks()
        hooks.after_context_created()
        if pipeline is not None:
            hooks.before_pipeline_run(pipeline)
            for done_node in done:
                hooks.after_node_run(done_node)
        sys.excepthook(type(error), error, error.__traceback__)
    finally:
        sys.excepthook = previous
    return capsys.readouterr().err, passed_on


def test_an_input_error_wrapped_by_kedro_is_still_found(capsys):
    try:
        try:
            raise DEGnextInputError("file x.csv, row 3: bad count")
        except DEGnextInputError as inner:
            raise RuntimeError("Failed while loading data") from inner
    except RuntimeError as outer:
        error = outer
    assert isinstance(input_error_in(error), DEGnextInputError)
    printed, passed_on = _hook_output(error, capsys)
    assert printed.rstrip().splitlines()[-1] == "DEGnextInputError: file x.csv, row 3: bad count"
    assert passed_on == []


def test_other_errors_keep_their_full_traceback(capsys):
    error = ZeroDivisionError("a bug, not input")
    printed, passed_on = _hook_output(error, capsys)
    assert printed == ""
    assert passed_on == [error]


def _pipeline() -> Pipeline:
    return Pipeline(
        [
            node(lambda x: x, "raw", "clean", name="A.clean"),
            node(lambda x: x, "clean", "model", name="A.train"),
            node(lambda x: x, "model", "report", name="report"),
            node(lambda x: x, "raw", "other", name="B.clean"),
        ]
    )


def test_ctrl_c_names_the_from_nodes_that_resumes_the_run(capsys):
    pipeline = _pipeline()
    done = [n for n in pipeline.nodes if n.name in ("A.clean", "B.clean")]
    assert resume_nodes(pipeline, done) == ["A.train"]
    printed, passed_on = _hook_output(KeyboardInterrupt(), capsys, pipeline, done)
    assert printed.rstrip().splitlines()[-1] == '  --from-nodes "A.train"'
    assert passed_on == []

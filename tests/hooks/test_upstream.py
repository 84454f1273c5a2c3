"""Issue 17: a run whose inputs come from a pipeline not yet run says which pipeline to run first."""

from __future__ import annotations

from kedro.pipeline import Pipeline, node

from degnext.hooks.upstream import missing_upstream, pipelines_to_run_first
from tests.tiny_project import kedro, make_project


def _identity(x, *_):
    return x


REGISTRY = {
    "make": Pipeline([node(_identity, "raw", "clean", name="make")]),
    "train": Pipeline([node(_identity, "clean", "model", name="train")]),
    "use": Pipeline([node(_identity, ["model", "params:x"], "calls", name="use")]),
}
REGISTRY["__default__"] = REGISTRY["make"] + REGISTRY["train"]


def test_missing_inputs_are_grouped_by_the_pipeline_that_writes_them():
    present = {"raw", "clean"}
    missing = missing_upstream(REGISTRY["use"].inputs(), present.__contains__, REGISTRY)
    assert missing == {"train": ["model"]}  # params and files no pipeline writes are not checked
    assert missing_upstream(REGISTRY["use"].inputs(), lambda name: True, REGISTRY) == {}


def test_the_pipelines_to_run_first_include_upstream_ones_in_registry_order():
    assert pipelines_to_run_first(REGISTRY["use"], {"raw"}.__contains__, REGISTRY) == [
        "make",
        "train",
    ]
    assert pipelines_to_run_first(REGISTRY["use"], {"raw", "clean"}.__contains__, REGISTRY) == [
        "train"
    ]


def test_predict_before_any_transfer_model_says_run_cnn_transfer_first(tmp_path):
    """Through the real CLI: first with nothing, then with the splits but no transfer model."""
    root = make_project(tmp_path)
    empty = kedro(root, "run", "--pipelines", "predict", check=False)
    output = empty.stdout + empty.stderr
    assert empty.returncode != 0
    assert "Did not find any versions" not in output
    assert "written by pipeline 'cnn_transfer'" in output
    assert "--pipelines ingestion,labeling,splitting,cnn_transfer" in output

    kedro(root, "run", "--pipelines", "ingestion,labeling,splitting")
    result = kedro(root, "run", "--pipeline", "predict", check=False)  # the old option works too
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "transfer.model (1 dataset): written by pipeline 'cnn_transfer'" in output
    assert "run cnn_transfer first: kedro run --pipelines cnn_transfer" in output
    assert not (root / "data/07_model_output/A/predicted_calls.parquet").exists()

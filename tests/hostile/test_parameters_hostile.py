"""Hostile parameters: each fails before any node runs, with one message naming the parameter."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from degnext.errors import DEGnextInputError
from degnext.parameter_schema import validate_parameters
from degnext.pipelines.labeling.nodes import drop_outlier_samples
from degnext.pipelines.splitting.nodes import split_genes
from tests.test_config_merge import parameters
from tests.tiny_project import PROJECT, kedro, make_project

CLI_CASES = [
    ("labeling.fdr_cuttoff=0.1", "'labeling.fdr_cuttoff' is unknown; did you mean 'labeling.fdr_cutoff'"),
    ("cohorts.A.labelling.fdr_cutoff=0.1", "'cohorts.A.labelling' is unknown; did you mean 'cohorts.A.labeling'"),
    ("cohorts.Z.labeling.fdr_cutoff=0.1", "'cohorts.Z' overrides cohort 'Z', which is not configured"),
    ("cnn_general.first_level.epochs=0", "'cnn_general.first_level.epochs' is 0"),
    ("cnn_transfer.fine_tune.batch_size=0", "'cnn_transfer.fine_tune.batch_size' is 0"),
    ("labeling.fdr_cutoff=0", "'labeling.fdr_cutoff' is 0"),
    ("labeling.fdr_cutoff=1.5", "'labeling.fdr_cutoff' is 1.5"),
    ("splitting.n_folds=1", "'splitting.n_folds' is 1"),
    ("splitting.test_fraction=1.0", "'splitting.test_fraction' is 1.0"),
    ("labeling.qnt_cut=1", "'labeling.qnt_cut' is 1"),
    ("cohorts.A.cnn_general.first_level.epochs=-3", "'cohorts.A.cnn_general.first_level.epochs' is -3"),
    ("predict.treshold=0.4", "'predict.treshold' is unknown; did you mean 'predict.threshold'"),
    ("experiments.transfer_model=downloaded", "'experiments.transfer_model' is 'downloaded'"),
    ("labeling.dea_method=limma", "'labeling.dea_method' is 'limma'"),
]  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize(("override", "message"), CLI_CASES)
def test_cli_fails_before_any_node_runs_naming_the_parameter(project, override, message):
    result = kedro(project, "run", "--params", override, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "DEGnextInputError" in output and message in " ".join(output.split()), output[-3000:]
    assert "Running node" not in output and not (project / "data").exists()


@pytest.fixture(scope="module")
def base():
    return parameters(PROJECT / "conf")


def _fails(parameters: dict, message: str) -> None:
    with pytest.raises(DEGnextInputError) as error:
        validate_parameters(parameters)
    assert message in str(error.value)


def test_release_cohort_typo_is_named_with_its_full_path():
    release = parameters(
        PROJECT / "conf", "release", {"cohorts": {"CHOL": {"labeling": {"fdr_cuttoff": 0.1}}}}
    )
    _fails(release, "'cohorts.CHOL.labeling.fdr_cuttoff' is unknown; did you mean")


def test_a_section_that_no_cohort_can_override_is_named(base):
    broken = copy.deepcopy(base)
    broken["cohorts"]["SYN_CHOL"]["cnn_transfer"] = {"seed": 1}
    _fails(broken, "'cohorts.SYN_CHOL.cnn_transfer' is unknown")


def test_unknown_top_level_section_gets_a_hint(base):
    _fails({**base, "labelling": {}}, "'labelling' is unknown; did you mean 'labeling'")


def test_missing_key_is_named(base):
    broken = copy.deepcopy(base)
    del broken["splitting"]["seed"]
    _fails(broken, "'splitting.seed' is missing")


def test_an_autocast_dtype_other_than_bfloat16_is_named(base):
    broken = copy.deepcopy(base)
    broken["cnn_transfer"]["amp_dtype"] = "float16"
    _fails(broken, "'cnn_transfer.amp_dtype' is 'float16'")


def test_unknown_role_is_named(base):
    broken = copy.deepcopy(base)
    broken["cohorts"]["SYN_CHOL"]["role"] = "test"
    _fails(broken, "'cohorts.SYN_CHOL.role' is 'test'")


def test_every_environment_and_the_runtime_only_parameters_are_accepted(base):
    for env in ("local", "release", "paper"):
        validate_parameters(parameters(PROJECT / "conf", env))
    validate_parameters({**base, "data_root": "/tmp/elsewhere", "published_weights": "w.pth"})


def test_more_folds_than_the_smallest_class_fails_before_cross_validation():
    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(40), np.ones(40), np.full(3, 2)].astype(int)
    table = pd.DataFrame(
        {
            "gene_id": [f"G{i}" for i in range(len(labels))],
            "symbol": [f"S{i}" for i in range(len(labels))],
            "label": labels,
            "bio_validated": rng.random(len(labels)) < 0.3,
        }
    )
    table.loc[labels == 2, "bio_validated"] = False
    with pytest.raises(DEGnextInputError, match="'splitting.n_folds' is 5 but the smallest"):
        split_genes(table, {"seed": 1, "test_fraction": 0.2, "n_folds": 5}, name="X")


def test_cor_cut_that_leaves_one_sample_in_a_group_is_named():
    rng = np.random.default_rng(1)
    counts = pd.DataFrame(
        rng.poisson(50, size=(200, 6)),
        columns=[f"S{i}" for i in range(6)],
        index=pd.Index([f"G{i}" for i in range(200)], name="gene_id"),
    )
    samples = pd.DataFrame({"barcode": counts.columns, "condition": ["normal"] * 3 + ["tumor"] * 3})
    with pytest.raises(DEGnextInputError, match="'labeling.cor_cut' is 0.99"):
        drop_outlier_samples(counts, samples, {"cor_cut": 0.99}, name="X")

"""Environments and --params change one key, not a whole section (settings.py's soft merge)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from degnext.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS
from tests.tiny_project import PROJECT


def parameters(conf: Path, env: str = "local", runtime: dict | None = None) -> dict:
    loader = CONFIG_LOADER_CLASS(str(conf), env=env, runtime_params=runtime, **CONFIG_LOADER_ARGS)
    return loader["parameters"]


def test_one_runtime_key_with_an_environment_keeps_the_rest_of_its_section():
    base = parameters(PROJECT / "conf")["predict"]
    release = parameters(PROJECT / "conf", "release", {"predict": {"threshold": 0.4}})
    assert release["predict"] == {**base, "threshold": 0.4}
    assert release["predict"]["device"] == base["device"]


def test_paper_and_release_state_only_table_7_over_base():
    base = parameters(PROJECT / "conf")
    for env in ("paper", "release"):
        resolved = parameters(PROJECT / "conf", env)
        assert resolved["splitting"] == {**base["splitting"], "n_folds": 5}
        for section in ("cnn_general", "cnn_transfer"):
            expected = {**base[section]}
            expected["first_level"] = {**base[section]["first_level"], "epochs": 50}
            assert resolved[section] == expected, (env, section)
        assert resolved["labeling"] == base["labeling"]


def test_the_two_cnn_sections_share_one_block_but_change_apart():
    base = parameters(PROJECT / "conf")
    assert base["cnn_general"] == base["cnn_transfer"]
    changed = parameters(PROJECT / "conf", runtime={"cnn_transfer": {"fine_tune": {"epochs": 5}}})
    assert changed["cnn_transfer"]["fine_tune"]["epochs"] == 5
    assert changed["cnn_general"] == base["cnn_general"]


def test_an_environment_that_lists_cohorts_replaces_bases_list():
    release = parameters(PROJECT / "conf", "release")
    assert "SYN_BRCA" not in release["cohorts"] and len(release["cohorts"]) == 17
    override = parameters(
        PROJECT / "conf", "release", {"cohorts": {"CHOL": {"labeling": {"fdr_cutoff": 0.05}}}}
    )
    assert override["cohorts"]["CHOL"] == {
        **release["cohorts"]["CHOL"],
        "labeling": {"fdr_cutoff": 0.05},
    }
    assert override["cohorts"].keys() == release["cohorts"].keys()


def test_an_environment_without_cohorts_keeps_bases_with_a_runtime_override(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(PROJECT / "conf/base", conf / "base")
    (conf / "mine").mkdir()
    (conf / "mine/parameters.yml").write_text(yaml.safe_dump({"labeling": {"qnt_cut": 0.3}}))
    base = parameters(PROJECT / "conf")
    mine = parameters(conf, "mine", {"cohorts": {"SYN_CHOL": {"labeling": {"cor_cut": 0.5}}}})
    assert mine["cohorts"].keys() == base["cohorts"].keys()
    assert mine["cohorts"]["SYN_CHOL"]["labeling"] == {"cor_cut": 0.5}
    assert mine["cohorts"]["SYN_CHOL"]["role"] == base["cohorts"]["SYN_CHOL"]["role"]
    assert mine["labeling"] == {**base["labeling"], "qnt_cut": 0.3}

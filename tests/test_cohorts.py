import pytest

from degnext import cohorts
from degnext.errors import DEGnextInputError


def test_node_parameters_override_one_key_deeply_and_leave_defaults_alone():
    defaults = {"fdr_cutoff": 0.01, "first_level": {"epochs": 50, "batch_size": 256}}
    parameters = {
        "cohorts": {
            "A": {"role": "train", "labeling": {"first_level": {"epochs": 3}}},
            "B": {"role": "untrained"},
        },
        "labeling": defaults,
    }
    built = cohorts.node_parameters(parameters)
    assert built["A.labeling"] == {
        "fdr_cutoff": 0.01,
        "first_level": {"epochs": 3, "batch_size": 256},
    }
    assert built["B.labeling"] == defaults and defaults["first_level"]["epochs"] == 50
    assert built["A.cohort_name"] == "A" and built["B.cohort"] == {"role": "untrained"}
    assert built["cohort_groups.untrained"] == ["B"] and built["cohort_groups.reported"] == [
        "A",
        "B",
    ]


def test_names_by_role_keep_configuration_order():
    config = {"B": {"role": "train"}, "A": {"role": "untrained"}, "C": {"role": "train"}}
    assert cohorts.names(config) == ["B", "A", "C"]
    assert cohorts.names(config, "train") == ["B", "C"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "at least one cohort"),
        ({"1BAD": {"role": "train"}}, "cohorts.1BAD"),
        ({"GOOD": {"role": "test"}}, "cohorts.GOOD.role"),
    ],
)
def test_bad_cohort_configuration_names_the_parameter(config, message):
    with pytest.raises(DEGnextInputError, match=message):
        cohorts.validate_cohorts(config)


def test_experiments_default_and_validate(monkeypatch):
    monkeypatch.setattr(cohorts, "_run_parameters", {"cohorts": {"A": {"role": "train"}}})
    assert cohorts.configured_experiments() == cohorts.EXPERIMENTS
    for given, message in (
        ({"transfer_model": "downloaded"}, "experiments.transfer_model"),
        ({"general_learning": "no"}, "experiments.general_learning"),
        ({"compare_published": "yes"}, "experiments.compare_published"),
        ({"general": False}, "unknown key"),
    ):
        monkeypatch.setattr(cohorts, "_run_parameters", {"experiments": given})
        with pytest.raises(DEGnextInputError, match=message):
            cohorts.configured_experiments()

"""``CohortSourceDataset``: a cohort's counts through its source's reader, checked when built."""

from __future__ import annotations

import pytest
from kedro.io.core import DatasetError

from degnext.data.cohort import Cohort
from degnext.datasets import CohortSourceDataset
from degnext.errors import DEGnextInputError


def test_a_matrix_source_loads_a_cohort(matrix_files):
    counts, sheet = matrix_files
    dataset = CohortSourceDataset(
        source="matrix", settings={"path": str(counts), "sample_sheet": str(sheet)}, cohort="M"
    )
    cohort = dataset.load()
    assert isinstance(cohort, Cohort) and cohort.counts.shape == (3, 4)
    assert list(cohort.samples["condition"]) == ["normal", "normal", "tumor", "tumor"]
    assert dataset.exists()
    assert dataset._describe() == {
        "source": "matrix",
        "settings": {"path": str(counts), "sample_sheet": str(sheet)},
        "cohort": "M",
    }


def test_settings_the_reader_does_not_take_fail_when_the_dataset_is_built():
    with pytest.raises(DEGnextInputError, match=r"'gdc'.*unknown \['projct'\]"):
        CohortSourceDataset(source="gdc", settings={"projct": "TCGA-X", "cache_dir": "c"})
    with pytest.raises(DEGnextInputError, match="source='ftp' is unknown"):
        CohortSourceDataset(source="ftp", settings={})


def test_a_missing_file_is_named_with_its_parameter(tmp_path):
    dataset = CohortSourceDataset(
        source="matrix", settings={"path": str(tmp_path / "absent.tsv")}, cohort="M"
    )
    assert not dataset.exists()
    with pytest.raises(DEGnextInputError, match=r"parameter 'cohorts.M.matrix.path': no file"):
        dataset.check()
    with pytest.raises(DatasetError, match=r"cohorts.M.matrix.path"):
        dataset.load()


def test_a_dataset_without_source_says_which_parameter_sets_it():
    """What a catalog.yml factory gives without the project's hooks: the type, no settings."""
    dataset = CohortSourceDataset(cohort="M")
    with pytest.raises(DEGnextInputError, match="parameter 'cohorts.M.source' is not set"):
        dataset.check()

"""``ReleaseCohortDataset``: one cancer of the authors' release."""

from __future__ import annotations

import pytest

from degnext.data.release import ReleaseCohort
from degnext.datasets import ReleaseCohortDataset
from degnext.errors import DEGnextInputError


def test_a_release_cancer_loads_its_splits(toy_release):
    release = ReleaseCohortDataset(root=str(toy_release), cancer="TCGA-TOY").load()
    assert isinstance(release, ReleaseCohort) and release.cancer == "TOY"
    assert release.expression.shape == (6, 4) and release.t1_source == "T2"
    assert list(release.splits["label"]) == [0, 1, 2, 0, 1, 2]


def test_a_cancer_without_release_files_is_named(toy_release):
    dataset = ReleaseCohortDataset(root=str(toy_release), cancer="NOPE")
    assert not dataset.exists()
    with pytest.raises(DEGnextInputError, match="no release files for cancer 'NOPE'"):
        dataset.check()


def test_without_root_the_parameter_is_named():
    with pytest.raises(DEGnextInputError, match="ingestion.sources.release.root"):
        ReleaseCohortDataset(cancer="CHOL").check()

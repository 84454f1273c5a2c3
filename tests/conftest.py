"""Shared fixtures: the ../shared folder beside the project (CI has it; a user's clone may not)
and a loopback GDC server."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_gdc import COHORT, FakeGdc, serve
from tests.tiny_project import SHARED


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path to ../shared; tests that need it skip with the reason when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (reference data lives beside the project root)")
    return SHARED


@pytest.fixture
def gdc() -> Iterator[FakeGdc]:
    """A loopback server that speaks the GDC files/data API, serving the test cohort."""
    with serve(COHORT) as state:
        yield state

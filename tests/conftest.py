"""Shared fixtures: the ../shared folder beside the project (CI has it; a user's clone may not)."""

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path to ../shared; tests that need it skip with the reason when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (reference data lives beside the project root)")
    return SHARED

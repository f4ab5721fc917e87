"""Shared test fixtures: the read-only reference data in ../shared and the bundled examples.

Helpers that belong to one area live in that area's test modules; only what several areas use
is here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def shared() -> Path:
    """`../shared` (real fixtures, licence texts, bench corpus); skip when it is absent."""
    if not (SHARED / "fixtures").is_dir():
        pytest.skip("../shared (reference data) is not beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def fixtures(shared: Path) -> Path:
    return shared / "fixtures"


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES

"""Where the shipped data lives (licence facts, policy packs, JSON schemas).

In a built wheel the top-level `licences/`, `rules/` and `schema/` directories are installed as
`scanner/_data/...`; in a source checkout (or an editable install) they sit beside `scanner/`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory of shipped data `name` ("licences", "rules" or "schema")."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"sovscan data directory {name!r} is missing from the installation")

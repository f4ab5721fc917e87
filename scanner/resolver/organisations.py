"""Who stands behind an organisation name: legal entity and country, from `licensors.yaml`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrganisationInfo:
    entity: str
    country: str | None


def organisation(name: str | None) -> OrganisationInfo | None:
    """Look up a Hub organisation or copyright holder; None when the table does not know it."""
    if not name:
        return None
    from scanner.licences.knowledge import licensors  # loaded once, lazily

    found = licensors().lookup(name)
    if found is None:
        return None
    return OrganisationInfo(entity=found.entity, country=found.country)

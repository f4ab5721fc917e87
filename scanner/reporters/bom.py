"""What the SBOM-style formats (SPDX 2.3, SPDX 3.0, CycloneDX) share.

Licence identifiers: an SBOM must never carry an id the format's validator rejects (AI-BOM
generators that emit `"id": "unknown"` fail CycloneDX validation). A licence is written as an SPDX
id only when it is on the SPDX licence list (as CycloneDX's bundled list and license-expression's
agree); anything else becomes `LicenseRef-<key>` (SPDX) or a named licence (CycloneDX).

Deterministic identity: document namespaces, serial numbers and element ids derive from the
target, its revision and the node ids (uuid5 / stable hashes), never from the clock or `uuid4`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

from scanner.model import ScanResult
from scanner.reporters.summary import licence_url, lookup_licence

#: Namespace of the uuid5 identities sovscan derives.
SOVSCAN_UUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://sovscan.dev/")


@lru_cache(maxsize=1)
def spdx_licence_ids() -> dict[str, str]:
    """SPDX licence-list ids, lower case → canonical case: ids both CycloneDX's bundled list and
    `license-expression` know, so the SPDX validator and the CycloneDX schema both accept them."""
    with resources.files("cyclonedx.schema._res").joinpath("spdx.SNAPSHOT.schema.json").open("r", encoding="utf-8") as fh:
        listed = json.load(fh)["enum"]
    from license_expression import get_spdx_licensing  # noqa: PLC0415 (loads a large index)

    licensing = get_spdx_licensing()
    known = {k.lower() for k in licensing.known_symbols_lowercase}
    return {lid.lower(): lid for lid in listed if lid.lower() in known}


def spdx_id_for(licence: str | None) -> str | None:
    """The canonical SPDX id of `licence` (a knowledge-base key or raw string), or None."""
    if not licence:
        return None
    ids = spdx_licence_ids()
    if licence.lower() in ids:
        return ids[licence.lower()]
    facts = lookup_licence(licence)
    kb_id = getattr(facts, "spdx_id", None) if facts is not None else None
    if isinstance(kb_id, str) and kb_id.lower() in ids:
        return ids[kb_id.lower()]
    return None


def licence_ref(licence: str) -> str:
    """`LicenseRef-<key>` with only the characters SPDX allows (letters, digits, `.`, `-`)."""
    body = re.sub(r"[^A-Za-z0-9.-]+", "-", licence).strip("-.") or "unnamed"
    if body != licence:
        body = f"{body}-{short_hash(licence)}"
    return f"LicenseRef-{body}"


@dataclass(frozen=True)
class LicenceInfo:
    """How a licence appears in an SBOM: an SPDX id, or a LicenseRef with identifying facts."""

    key: str
    spdx_id: str | None
    ref: str
    name: str
    url: str
    facts_summary: str

    @property
    def expression_id(self) -> str:
        return self.spdx_id or self.ref


def licence_info(licence: str) -> LicenceInfo:
    """Identifying information of a licence (name, url, restrictive clauses with sections), never
    its whole text."""
    facts = lookup_licence(licence)
    name = str(getattr(facts, "name", "") or licence) if facts is not None else licence
    url = ""
    parts: list[str] = []
    if facts is not None:
        url = licence_url(facts)
        licensor = getattr(facts, "licensor", None)
        entity = getattr(licensor, "entity", None) if not isinstance(licensor, dict) else licensor.get("entity")
        country = getattr(licensor, "country", None) if not isinstance(licensor, dict) else licensor.get("country")
        if entity:
            parts.append(f"licensor: {entity}" + (f" ({country})" if country else ""))
        clause_facts = getattr(facts, "facts", None) or {}
        if isinstance(clause_facts, Mapping):
            for fact in sorted(clause_facts):
                clause = clause_facts[fact]
                section = clause.get("section") if isinstance(clause, dict) else getattr(clause, "section", None)
                parts.append(f"{fact}" + (f" (§ {section})" if section else ""))
    return LicenceInfo(
        key=licence,
        spdx_id=spdx_id_for(licence),
        ref=licence_ref(licence),
        name=name,
        url=url,
        facts_summary="; ".join(parts),
    )


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def document_uuid(result: ScanResult, fmt: str) -> uuid.UUID:
    """The same target, revision, policy and format always give the same document UUID."""
    key = f"{fmt}|{result.target.ref}|{result.target.revision or ''}|{result.policy_id}|{result.policy_version}"
    return uuid.uuid5(SOVSCAN_UUID_NS, key)


def created(result: ScanResult) -> datetime:
    """The result's timestamp (it already honours SOURCE_DATE_EPOCH), as aware UTC, whole seconds."""
    try:
        moment = datetime.fromisoformat(result.generated.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        moment = datetime(1970, 1, 1, tzinfo=timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def created_iso(result: ScanResult) -> str:
    return created(result).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_name(node: dict[str, Any]) -> str:
    return str(node.get("name") or node["id"])


def node_version(node: dict[str, Any]) -> str | None:
    attrs = node.get("attributes") or {}
    value = attrs.get("revision") or attrs.get("version")
    return str(value) if value else None


def hub_path(node: dict[str, Any]) -> str | None:
    """`org/name` of a model or dataset node whose id names a Hub repository, else None."""
    kind, _, rest = str(node["id"]).partition(":")
    if kind in ("model", "dataset") and re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", rest):
        return rest
    return None


def purl(node: dict[str, Any]) -> str | None:
    """A package URL for nodes that have a well-known ecosystem (Hub models, PyPI packages)."""
    from packageurl import PackageURL  # noqa: PLC0415 (dependency of cyclonedx-python-lib)

    kind = node.get("kind")
    version = node_version(node)
    if kind == "package":
        _, _, rest = str(node["id"]).partition(":")
        eco, _, name = rest.partition("/")
        if eco and name and re.fullmatch(r"[a-z0-9]+", eco):
            return PackageURL(type=eco, name=name, version=version).to_string()
        return None
    path = hub_path(node)
    if kind == "model" and path:
        org, name = path.split("/", 1)
        return PackageURL(type="huggingface", namespace=org, name=name, version=version).to_string()
    return None


def plain(text: Any, limit: int = 2000) -> str:
    """One line of text for a document field: control characters dropped, line breaks folded,
    and the tag-value `<text>`/`</text>` delimiters defused (a card could otherwise close the
    field and inject its own SPDX tags). Scan data is untrusted in every format."""
    value = re.sub(r"[\x00-\x1f\x7f]+", " ", "" if text is None else str(text))
    value = re.sub(r"(?i)<(/?)text>", r"[\1text]", " ".join(value.split()))
    return value if len(value) <= limit else value[: limit - 1] + "…"

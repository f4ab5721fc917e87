"""Give a model node its declared and its detected licence, and say when they disagree.

Declared: the card's `license` (or, for `other`, its `license_name` / `license_link`), looked
up in the knowledge base. Detected: what the licence texts shipped in the repository are
(LICENSE, NOTICE, COPYING, the README's licence section). The detected licence counts for the
policy because it is what binds users; a mismatch is recorded for the ethics rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.extractors.card import ModelCard
from scanner.graph import Node
from scanner.model import Evidence, ScanIssue
from scanner.sources.interface import Source

#: card values that name no licence: look at the texts instead
_NO_LICENCE_ID = {"other", "unknown", "none", "", "custom"}


@dataclass(frozen=True)
class DeclaredLicence:
    key: str | None  # knowledge-base key when known
    raw: str | None  # what the card says
    evidence: tuple[Evidence, ...]


def declared_licence(card: ModelCard | None) -> DeclaredLicence:
    """What the card declares, resolved through the knowledge base where possible."""
    from scanner.licences.knowledge import knowledge

    if card is None:
        return DeclaredLicence(None, None, ())
    kb = knowledge()
    evidence = tuple(card.evidence[k] for k in ("license", "license_name", "license_link") if k in card.evidence)
    candidates: list[str] = []
    if card.license and card.license.lower() not in _NO_LICENCE_ID:
        candidates.append(card.license)
    for value in (card.license_name, card.license_link):
        if value and value.strip().upper() not in ("LICENSE", "LICENSE.MD", "LICENSE.TXT"):
            candidates.append(value)
    for value in candidates:
        facts = kb.lookup(value)
        if facts is not None:
            return DeclaredLicence(facts.key, value, evidence)
    raw = card.license_name or card.license if (card.license_name or card.license) else None
    return DeclaredLicence(None, raw, evidence)


def annotate_licences(node: Node, source: Source, card: ModelCard | None) -> list[ScanIssue]:
    """Set `node.licence` and the licence attributes of a model node from its repository."""
    from scanner.licences.repo_licences import identify_repo_licences
    from scanner.licences.knowledge import knowledge

    kb = knowledge()
    declared = declared_licence(card)
    repo = identify_repo_licences(source)
    detected: list[str] = []
    detected_evidence: list[Evidence] = []
    modified = False
    for shipped in repo.files:
        for match in shipped.matches:
            if match.kind != "licence" or match.score <= 0:
                continue  # exceptions and use policies qualify a licence; they are not one
            facts = kb.lookup(match.id)
            key = facts.key if facts else match.id
            if key not in detected:
                detected.append(key)
            modified = modified or match.modified
            detected_evidence.append(
                Evidence(
                    path=shipped.path,
                    line=match.start_line or None,
                    excerpt=match.excerpt,
                    detail={"licence": key, "score": round(match.score, 3), "matcher": match.matcher,
                            "lines": [match.start_line, match.end_line], **({"modified": True} if match.modified else {})},
                )
            )

    attrs = node.attributes
    attrs["declared_licence_key"] = declared.key
    attrs["detected_licences"] = detected
    attrs["licence_files_identified"] = sorted({e.path for e in detected_evidence})
    if modified:
        attrs["licence_modified"] = True
    node.evidence.extend(e for e in detected_evidence if e not in node.evidence)

    effective = _effective(declared, detected)
    node.licence = effective
    known = effective is not None and kb.lookup(effective) is not None
    attrs["licence_known"] = known
    if declared.key and detected and declared.key not in detected and not _same_family(declared.key, detected):
        attrs["licence_mismatch"] = {
            "declared": declared.key,
            "detected": detected,
            "declared_evidence": [e.to_dict() for e in declared.evidence],
            "detected_evidence": [e.to_dict() for e in detected_evidence],
        }
    return list(repo.issues)


def _effective(declared: DeclaredLicence, detected: list[str]) -> str | None:
    """Detected texts win (they bind); else the declared key; else the raw declared string."""
    if detected:
        if declared.key in detected:
            return declared.key
        return detected[0]
    if declared.key:
        return declared.key
    return declared.raw


def _same_family(declared: str, detected: list[str]) -> bool:
    """A card naming a licence family (`gemma`) is not contradicted by a dated text of it."""
    return any(d.startswith(declared + "-") or declared.startswith(d + "-") for d in detected)

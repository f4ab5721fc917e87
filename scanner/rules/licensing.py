"""How rules read the licence knowledge base: a small read-only view of one node's licence.

Rules are keyed on clause facts, not licence names, so "a licensor outside the home country can
terminate at will" holds for any licence with that clause. The view adapts the knowledge base's
`LicenceFacts` (attributes or mappings, whichever the loader gives) to what conditions and
message templates need, and records evidence (section and quote) for every fact a rule uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model import Evidence


#: Facts that are duties of a licensee (what a derivative or a copy must carry).
DUTY_FACTS = (
    "licence_copy",
    "attribution_notice",
    "built_with",
    "name_prefix",
    "copyleft",
    "propagation",
)

#: Facts through which a licensor keeps control over users after the grant.
CONTROL_FACTS = (
    "terminate_at_will",
    "terminate_on_breach",
    "revocable",
    "unilateral_amendment",
    "updatable_policy",
    "remote_restriction",
)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass(frozen=True)
class ClauseView:
    """One clause fact as a rule sees it: name, section, quote and details."""

    name: str
    section: str = ""
    quote: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_template(self) -> dict[str, Any]:
        return {"name": self.name, "section": self.section, "quote": self.quote, **self.details}


@dataclass(frozen=True)
class LicenceView:
    """The knowledge-base entry behind `node.licence`, or `known=False` when there is none."""

    declared: str | None
    known: bool
    key: str | None = None
    name: str = ""
    category: str | None = None
    osi_approved: bool | None = None
    facts_status: str | None = None
    licensor_entity: str | None = None
    licensor_country: str | None = None
    licensor_is_releaser: bool = False
    law: str | None = None
    law_country: str | None = None
    raw: Any = None

    def has(self, fact: str) -> bool:
        if not self.known or self.raw is None:
            return False
        has = getattr(self.raw, "has", None)
        if callable(has):
            return bool(has(fact))
        return fact in (_get(self.raw, "facts") or {})

    def clause(self, fact: str) -> ClauseView | None:
        if not self.has(fact):
            return None
        getter = getattr(self.raw, "fact", None)
        item = getter(fact) if callable(getter) else (_get(self.raw, "facts") or {}).get(fact)
        if item is None:
            return ClauseView(name=fact)
        details: dict[str, Any] = {}
        raw_details = _get(item, "details")
        if isinstance(raw_details, Mapping):
            details.update(raw_details)
        if isinstance(item, Mapping):
            details.update({k: v for k, v in item.items() if k not in ("section", "quote", "verified")})
        return ClauseView(
            name=fact,
            section=str(_get(item, "section") or ""),
            quote=str(_get(item, "quote") or ""),
            details=details,
        )

    def facts(self, names: tuple[str, ...] | list[str]) -> list[str]:
        return [n for n in names if self.has(n)]

    def control_facts(self) -> list[str]:
        """Clauses through which the licensor itself can end, change or restrict the grant.

        Termination on breach counts only when the licensor decides it; termination that
        happens automatically on a violation and is reinstated on cure (GPL §8, ODC-BY §9,
        details `automatic: true`) is a condition of the grant, not a power over the licensee.
        """
        out = []
        for name in CONTROL_FACTS:
            if not self.has(name):
                continue
            if name == "terminate_on_breach":
                clause = self.clause(name)
                if clause is not None and clause.details.get("automatic") is True:
                    continue
            out.append(name)
        return out

    def evidence(self, fact: str) -> Evidence:
        clause = self.clause(fact)
        section = clause.section if clause else ""
        return Evidence(
            path=f"licences/{self.key}.yaml",
            key=f"facts.{fact}",
            excerpt=(clause.quote if clause else "")[:400],
            detail={"licence": self.key, "fact": fact, **({"section": section} if section else {})},
        )

    def as_template(self) -> dict[str, Any]:
        return {
            "declared": self.declared,
            "known": self.known,
            "key": self.key,
            "name": self.name or self.key or self.declared or "",
            "category": self.category,
            "osi_approved": self.osi_approved,
            "licensor": self.licensor_entity,
            "licensor_country": self.licensor_country,
            "law": self.law,
            "law_country": self.law_country,
            "duties": self.facts(DUTY_FACTS),
            "controls": self.control_facts(),
        }


class LicenceResolver:
    """Looks licences up once per scan; `knowledge` is the KB (`scanner.licences.knowledge`)
    and may be None, in which case every declared licence is unknown (needs review)."""

    def __init__(self, knowledge: Any = None, licensors: Any = None) -> None:
        self.knowledge = knowledge
        self.licensors = licensors
        self._cache: dict[str | None, Any] = {}

    def lookup(self, licence: str | None) -> Any:
        if licence not in self._cache:
            found = None
            if licence and self.knowledge is not None:
                get = getattr(self.knowledge, "get", None)
                found = get(licence) if callable(get) else None
                if found is None:
                    found = self.knowledge.lookup(licence)
            self._cache[licence] = found
        return self._cache[licence]

    def view(self, node: Any) -> LicenceView:
        declared = node.licence
        if declared is None:
            return LicenceView(declared=None, known=False)
        if node.attributes.get("licence_known") is False:
            return LicenceView(declared=declared, known=False)
        facts = self.lookup(declared)
        if facts is None:
            return LicenceView(declared=declared, known=False)
        licensor = _get(facts, "licensor")
        law = _get(facts, "governing_law")
        return LicenceView(
            declared=declared,
            known=True,
            key=_get(facts, "key", declared),
            name=str(_get(facts, "name", "") or ""),
            category=_get(facts, "category"),
            osi_approved=_get(facts, "osi_approved"),
            facts_status=_get(facts, "facts_status"),
            licensor_entity=_get(licensor, "entity"),
            licensor_country=_upper(_get(licensor, "country")),
            licensor_is_releaser=bool(
                _get(facts, "licensor_is_releaser", False) or _get(licensor, "is_releaser", False)
            ),
            law=_get(law, "law"),
            law_country=_upper(_get(law, "country")),
            raw=facts,
        )

    def organisation(self, org: str | None) -> tuple[str | None, str | None]:
        """(legal entity or parent, country) of an organisation name, from the licensors table."""
        if not org or self.licensors is None:
            return None, None
        found = self.licensors.lookup(org)
        if found is None:
            return None, None
        entity = _get(found, "parent") or _get(found, "entity")
        return entity, _upper(_get(found, "country"))


def _upper(value: Any) -> str | None:
    return str(value).upper() if value else None

"""What a human-readable report shows, computed once for HTML and Markdown.

The templates stay presentation-only: grouping findings by criterion, collecting the licences in
the graph with their clause facts, and listing pinned revisions happen here, as pure functions of
the `ScanResult`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model import Criterion, Finding, Outcome, ScanIssue, ScanResult, Severity

#: Criteria in the order the review publishes them.
CRITERIA: tuple[Criterion, ...] = (Criterion.TECHNICAL, Criterion.POLICY, Criterion.ETHICS)

_SEVERITY_ORDER = {Severity.FAIL: 0, Severity.REVIEW: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class CriterionVerdict:
    """A criterion's outcome with what the one-line reason is made of, so each report language
    can phrase it (the engine's own `reason` is English)."""

    criterion: str
    outcome: str
    reason: str
    deciding: int = 0  # standing findings that decide the outcome (fails for fail, reviews for review)
    example_rule: str = ""
    example_node: str = ""


@dataclass(frozen=True)
class ClauseView:
    """One clause fact of a licence as the report shows it (fact name, section, short quote)."""

    fact: str
    section: str
    quote: str
    verified: bool | None
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class LicenceView:
    """A licence that some node of the graph is under, with what the knowledge base knows."""

    id: str
    known: bool
    name: str = ""
    spdx_id: str = ""
    category: str = ""
    licensor: str = ""
    licensor_country: str = ""
    url: str = ""
    facts_status: str = ""
    governing_law: str = ""
    clauses: list[ClauseView] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RevisionView:
    node: str
    name: str
    kind: str
    revision: str


@dataclass
class ReportView:
    result: ScanResult
    verdicts: list[CriterionVerdict]
    findings: dict[str, list[Finding]]
    licences: list[LicenceView]
    revisions: list[RevisionView]
    issues: list[ScanIssue]
    nodes: dict[str, dict[str, Any]]
    edges: list[dict[str, Any]]
    root: str | None
    counts: dict[str, int]

    @property
    def target_node(self) -> dict[str, Any] | None:
        return self.nodes.get(self.root) if self.root else None


def _criterion_verdict(result: ScanResult, criterion: Criterion, outcome: Outcome) -> CriterionVerdict:
    standing = [f for f in result.findings if f.criterion == criterion and not f.waived]
    if outcome == Outcome.FAIL:
        deciding = [f for f in standing if f.severity == Severity.FAIL]
    elif outcome == Outcome.REVIEW:
        deciding = [f for f in standing if f.severity in (Severity.FAIL, Severity.REVIEW)]
    else:
        deciding = []
    deciding.sort(key=_finding_order)
    first = deciding[0] if deciding else None
    return CriterionVerdict(
        str(criterion), str(outcome), result.verdict.reasons.get(criterion, ""), len(deciding),
        first.rule if first else "", first.node if first else "",
    )


def build_view(result: ScanResult) -> ReportView:
    graph = result.graph or {}
    nodes = {n["id"]: n for n in graph.get("nodes", []) if isinstance(n, dict) and "id" in n}
    edges = [e for e in graph.get("edges", []) if isinstance(e, dict)]
    verdicts = []
    for criterion in CRITERIA:
        outcome = result.verdict.criteria.get(criterion, Outcome.REVIEW)
        verdicts.append(_criterion_verdict(result, criterion, outcome))
    grouped: dict[str, list[Finding]] = {str(c): [] for c in CRITERIA}
    for finding in sorted(result.findings, key=_finding_order):
        grouped.setdefault(str(finding.criterion), []).append(finding)
    counts = {
        "nodes": len(nodes),
        "edges": len(edges),
        "findings": len(result.findings),
        "waived": sum(1 for f in result.findings if f.waived),
        "issues": len(result.scan_issues),
    }
    return ReportView(
        result=result,
        verdicts=verdicts,
        findings=grouped,
        licences=collect_licences(nodes.values()),
        revisions=collect_revisions(nodes.values(), result),
        issues=list(result.scan_issues),
        nodes=nodes,
        edges=edges,
        root=graph.get("root"),
        counts=counts,
    )


def _finding_order(finding: Finding) -> tuple[int, int, str, str, str]:
    return (
        1 if finding.waived else 0,
        _SEVERITY_ORDER.get(finding.severity, 3),
        finding.rule,
        finding.node,
        finding.id,
    )


def tensor_names(detail: dict[str, Any]) -> list[str]:
    """Tensor names or prefixes a piece of evidence cites (`evidence.detail`), as strings."""
    names: list[str] = []
    for key in ("tensors", "tensor_names", "tensor_prefixes", "tensor", "prefixes"):
        value = detail.get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, (list, tuple)):
            names.extend(str(v) for v in value)
    return names


def detail_items(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The remaining `evidence.detail` entries (measured values etc.) as short display pairs."""
    skip = {"tensors", "tensor_names", "tensor_prefixes", "tensor", "prefixes"}
    items = []
    for key in sorted(detail):
        if key in skip:
            continue
        value = detail[key]
        text = value if isinstance(value, str) else _short_json(value)
        items.append((str(key), text))
    return items


def _short_json(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- licences ------------------------------------------------------------------------------


def _knowledge() -> Any | None:
    """The licence knowledge base, or None when it is not installed or cannot load.

    A report must still render without it: it then shows the licence ids only."""
    try:
        from scanner.licences.knowledge import knowledge  # noqa: PLC0415 (optional stage)
    except ImportError:
        return None
    try:
        return knowledge()
    except Exception:  # a broken KB file must not stop the report; the ids are still shown
        return None


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def lookup_licence(licence_id: str) -> Any | None:
    kb = _knowledge()
    if kb is None:
        return None
    try:
        return kb.lookup(licence_id)
    except Exception:
        return None


def collect_licences(nodes: Any) -> list[LicenceView]:
    """Every distinct `node.licence` in the graph, with clause facts from the knowledge base."""
    by_id: dict[str, LicenceView] = {}
    for node in nodes:
        licence = node.get("licence")
        if not licence:
            continue
        view = by_id.get(licence)
        if view is None:
            view = describe_licence(licence)
            by_id[licence] = view
        view.nodes.append(node["id"])
    for view in by_id.values():
        view.nodes.sort()
    return [by_id[k] for k in sorted(by_id)]


def describe_licence(licence_id: str) -> LicenceView:
    facts = lookup_licence(licence_id)
    if facts is None:
        return LicenceView(id=licence_id, known=False)
    licensor = _field(facts, "licensor")
    url = licence_url(facts)
    law = _field(facts, "governing_law")
    governing = ""
    if _field(law, "law"):
        governing = str(_field(law, "law")) + (f" ({_field(law, 'country')})" if _field(law, "country") else "")
    clauses = []
    raw_facts = _field(facts, "facts") or {}
    items = raw_facts.items() if isinstance(raw_facts, Mapping) else []
    for name, clause in sorted(items, key=lambda kv: str(kv[0])):
        clauses.append(
            ClauseView(
                fact=str(name),
                section=str(_field(clause, "section", "") or ""),
                quote=str(_field(clause, "quote", "") or ""),
                verified=_field(clause, "verified"),
                details=tuple(detail_items(dict(_field(clause, "details", None) or {}))),
            )
        )
    return LicenceView(
        id=licence_id,
        known=True,
        name=str(_field(facts, "name", "") or ""),
        spdx_id=str(_field(facts, "spdx_id", "") or ""),
        category=str(_field(facts, "category", "") or ""),
        licensor=str(_field(licensor, "entity", "") or ""),
        licensor_country=str(_field(licensor, "country", "") or ""),
        url=url,
        facts_status=str(_field(facts, "facts_status", "") or ""),
        governing_law=governing,
        clauses=clauses,
    )


def licence_url(facts: Any) -> str:
    """Where the licence text lives: a `url`, or the first `license_links` fragment that names a
    host (fragments such as `org/repo` name no host and are not turned into URLs)."""
    url = str(_field(facts, "url", "") or "")
    if url:
        return url
    for link in _field(facts, "license_links") or []:
        link = str(link)
        if "://" in link:
            return link
        host = link.split("/", 1)[0]
        if "." in host and " " not in link:
            return f"https://{link}"
    return ""


def collect_revisions(nodes: Any, result: ScanResult) -> list[RevisionView]:
    """Pinned revisions (node attribute `revision`), the target's first."""
    rows = []
    for node in nodes:
        revision = (node.get("attributes") or {}).get("revision")
        if revision:
            rows.append(RevisionView(node["id"], node.get("name", node["id"]), node.get("kind", ""), str(revision)))
    rows.sort(key=lambda r: (0 if (node_is_target(r.node, result)) else 1, r.node))
    return rows


def node_is_target(node_id: str, result: ScanResult) -> bool:
    return bool(result.graph) and result.graph.get("root") == node_id

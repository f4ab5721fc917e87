"""The vocabulary every stage shares: evidence, findings, verdicts, scan issues and the result.

These are the contracts between stages and with users: `ScanResult.to_dict()` is `report.json`
(its JSON Schema is `schema/report.schema.json`). Keep field names stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

REPORT_SCHEMA_ID = "https://sovscan.dev/schema/report/1"


class Criterion(StrEnum):
    """The three published criteria of the independence review."""

    TECHNICAL = "technical"
    POLICY = "policy"
    ETHICS = "ethics"


class Severity(StrEnum):
    FAIL = "fail"
    REVIEW = "review"
    INFO = "info"


class Outcome(StrEnum):
    """A verdict on one criterion. Unknown is never `pass`: it is `review`."""

    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"


@dataclass(frozen=True)
class Evidence:
    """Where a fact was seen: a file (or Hub/API location), a line or key, and a short excerpt.

    `repo` names the repository the path belongs to when it is not the scan target; `detail`
    carries structured extras (tensor names, measured values) that a reviewer can check.
    """

    path: str
    line: int | None = None
    key: str | None = None
    excerpt: str = ""
    repo: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.line is not None:
            out["line"] = self.line
        if self.key is not None:
            out["key"] = self.key
        out["excerpt"] = self.excerpt
        if self.repo is not None:
            out["repo"] = self.repo
        if self.detail:
            out["detail"] = self.detail
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            path=data["path"],
            line=data.get("line"),
            key=data.get("key"),
            excerpt=data.get("excerpt", ""),
            repo=data.get("repo"),
            detail=dict(data.get("detail") or {}),
        )


@dataclass(frozen=True)
class ScanIssue:
    """Something the scan could not read or decide. Recorded, never swallowed, never a pass."""

    path: str
    problem: str
    node: str | None = None
    #: the criteria this gap leaves undecided; None lets the pipeline infer it from the path,
    #: an empty tuple marks a note that leaves every criterion decidable
    criteria: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "problem": self.problem}
        if self.node is not None:
            out["node"] = self.node
        if self.criteria is not None:
            out["criteria"] = list(self.criteria)
        return out


@dataclass(frozen=True)
class Waiver:
    """An accepted exception: who accepted which finding, why, and until when."""

    rule: str
    node: str
    reason: str
    approver: str
    expires: str  # ISO date

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "node": self.node,
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires,
        }


@dataclass(frozen=True)
class Finding:
    """One rule matched on one node, with the graph path that led there and its evidence."""

    id: str
    rule: str
    criterion: Criterion
    severity: Severity
    confidence: float
    node: str
    message: str
    evidence: tuple[Evidence, ...] = ()
    path: tuple[str, ...] = ()
    remediation: str = ""
    source: str = ""
    waived: bool = False
    waiver: Waiver | None = None
    #: `message`/`remediation` in other report languages: lang -> {"message", "remediation"}.
    #: `message` stays English (the contract); reports in a language show its text when present.
    translations: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, hash=False)

    def text(self, lang: str) -> tuple[str, str]:
        """(message, remediation) in `lang`, each falling back to English when not translated."""
        local = self.translations.get(lang) or {}
        return local.get("message") or self.message, local.get("remediation") or self.remediation

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "rule": self.rule,
            "criterion": str(self.criterion),
            "severity": str(self.severity),
            "confidence": round(self.confidence, 3),
            "node": self.node,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "path": list(self.path),
            "remediation": self.remediation,
            "source": self.source,
            "waived": self.waived,
        }
        if self.waiver is not None:
            out["waiver"] = self.waiver.to_dict()
        if self.translations:
            out["translations"] = {lang: dict(texts) for lang, texts in sorted(self.translations.items())}
        return out


@dataclass(frozen=True)
class Verdict:
    overall: Outcome
    criteria: dict[Criterion, Outcome]
    reasons: dict[Criterion, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": str(self.overall),
            "criteria": {str(c): str(o) for c, o in self.criteria.items()},
            "reasons": {str(c): r for c, r in self.reasons.items()},
        }

    @staticmethod
    def combine(outcomes: dict[Criterion, Outcome], reasons: dict[Criterion, str] | None = None) -> Verdict:
        """Overall is the worst criterion: fail > review > pass."""
        values = set(outcomes.values())
        if Outcome.FAIL in values:
            overall = Outcome.FAIL
        elif Outcome.REVIEW in values:
            overall = Outcome.REVIEW
        else:
            overall = Outcome.PASS
        return Verdict(overall=overall, criteria=dict(outcomes), reasons=dict(reasons or {}))


@dataclass
class Target:
    """What was scanned: the reference the user gave, the kind of source, the pinned revision."""

    ref: str
    source: str
    revision: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "source": self.source, "revision": self.revision}


@dataclass
class ScanResult:
    """The single result object every reporter reads; `to_dict()` is `report.json`."""

    tool_version: str
    target: Target
    policy_id: str
    policy_version: str
    verdict: Verdict
    graph: dict[str, Any]
    findings: list[Finding]
    scan_issues: list[ScanIssue]
    generated: str  # ISO timestamp (honours SOURCE_DATE_EPOCH)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "schema": REPORT_SCHEMA_ID,
            "tool": {"name": "sovscan", "version": self.tool_version},
            "generated": self.generated,
            "target": self.target.to_dict(),
            "policy": {"id": self.policy_id, "version": self.policy_version},
            "verdict": self.verdict.to_dict(),
            "graph": self.graph,
            "findings": [f.to_dict() for f in self.findings],
            "scan_issues": [i.to_dict() for i in self.scan_issues],
        }
        out.update(self.extra)
        return out

"""Waivers: accepted exceptions with who accepted them, why, and until when.

A waived finding stays in the report (`waived: true`, with its waiver) and stops counting for
the verdict. A waiver past its expiry date no longer applies; expired and unused waivers are
reported as info findings so stale exceptions are noticed and cleaned up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Sequence

from scanner.model import Criterion, Evidence, Finding, Severity, Waiver
from scanner.rules.conditions import Where
from scanner.rules.ids import finding_id
from scanner.rules.loader import read_located, schema_check
from scanner.rules.schema import PolicyPack, RuleError


def load_waivers(path: str | Path) -> list[Waiver]:
    """Read a waivers file (a YAML list); errors name the file, line and expected shape."""
    path = Path(path)
    data, lines = read_located(path)
    file = str(path)
    if data is None:
        return []
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("expires"), dt.date):
                item["expires"] = item["expires"].isoformat()
    schema_check(data, "waivers.schema.json", file, lines, "a waiver")
    out = []
    for i, item in enumerate(data):
        try:
            dt.date.fromisoformat(item["expires"])
        except ValueError:
            raise Where(file, lines, (i, "expires")).error(
                f"expected a date YYYY-MM-DD; got {item['expires']!r}"
            ) from None
        out.append(Waiver(rule=item["rule"], node=item["node"], reason=item["reason"],
                          approver=item["approver"], expires=item["expires"]))
    return out


def covers(waiver: Waiver, finding: Finding) -> bool:
    """A waiver covers findings of its rule (id or glob) on nodes matching its selector."""
    return fnmatchcase(finding.rule, waiver.rule) and fnmatchcase(finding.node, waiver.node)


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver], today: dt.date, pack: PolicyPack
) -> tuple[list[Finding], list[Finding]]:
    """Mark covered findings waived. Returns (findings, notes about expired/unused waivers)."""
    out: list[Finding] = []
    used: set[int] = set()
    expired_hits: set[int] = set()
    for finding in findings:
        applied = None
        for i, waiver in enumerate(waivers):
            if not covers(waiver, finding):
                continue
            if dt.date.fromisoformat(waiver.expires) < today:
                expired_hits.add(i)
                continue
            used.add(i)
            applied = applied or waiver
        out.append(replace(finding, waived=True, waiver=applied) if applied else finding)
    notes: list[Finding] = []
    for i, waiver in enumerate(waivers):
        rule = pack.rule(waiver.rule)
        criterion = rule.criterion if rule is not None else Criterion.POLICY
        evidence = (Evidence(path="waivers", key=f"[{i}]", excerpt=f"{waiver.rule} on {waiver.node}",
                             detail=waiver.to_dict()),)
        expired = dt.date.fromisoformat(waiver.expires) < today
        if expired:
            hit = "; it would have waived a finding that therefore stands" if i in expired_hits else ""
            hit_ko = " 이 예외가 면제했을 결과는 그대로 유효합니다." if i in expired_hits else ""
            notes.append(_note("engine.waiver-expired", criterion, waiver, evidence,
                               f"The waiver for {waiver.rule} on {waiver.node} (approved by "
                               f"{waiver.approver}) expired on {waiver.expires} and no longer applies{hit}.",
                               "Renew the waiver with a new expiry date, or fix what it excused.",
                               {"ko": {
                                   "message": f"{waiver.node}에 대한 {waiver.rule} 예외(승인자: {waiver.approver})는 "
                                              f"{waiver.expires}에 만료되어 더 이상 적용되지 않습니다.{hit_ko}",
                                   "remediation": "새 만료일로 예외를 갱신하거나, 예외로 넘긴 문제를 해결하십시오.",
                               }}))
        elif i not in used:
            unknown_rule = rule is None and not any(fnmatchcase(r.id, waiver.rule) for r in pack.rules)
            known = f" (pack {pack.id} has no rule '{waiver.rule}')" if unknown_rule else ""
            known_ko = f"(정책 팩 {pack.id}에 '{waiver.rule}' 규칙이 없습니다)" if unknown_rule else ""
            notes.append(_note("engine.waiver-unused", criterion, waiver, evidence,
                               f"The waiver for {waiver.rule} on {waiver.node} matches no finding{known}.",
                               "Remove the waiver, or correct its rule id or node selector.",
                               {"ko": {
                                   "message": f"{waiver.node}에 대한 {waiver.rule} 예외와 일치하는 결과가 "
                                              f"없습니다{known_ko}.",
                                   "remediation": "예외를 삭제하거나, 규칙 ID 또는 노드 선택자를 바로잡으십시오.",
                               }}))
    return out, notes


def _note(rule: str, criterion: Criterion, waiver: Waiver, evidence: tuple[Evidence, ...],
          message: str, remediation: str, translations: dict[str, dict[str, str]]) -> Finding:
    return Finding(
        id=finding_id(rule, waiver.node, f"{waiver.rule}|{waiver.expires}|{waiver.approver}"),
        rule=rule,
        criterion=criterion,
        severity=Severity.INFO,
        confidence=1.0,
        node=waiver.node,
        message=message,
        evidence=evidence,
        remediation=remediation,
        source="sovscan waivers",
        translations=translations,
    )


__all__ = ["load_waivers", "apply_waivers", "covers", "RuleError"]

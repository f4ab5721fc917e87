"""`report.sarif`: SARIF 2.1.0 for CI systems and GitHub code scanning.

One result per finding; rules come from the findings (id, criterion, remediation as help, the
criterion text as source); levels map fail → error, review → warning, info → note; a waived
finding carries an accepted external suppression with the waiver's reason. Locations are the
evidence files as URIs relative to the scanned repository (`%SRCROOT%`) with the line when known,
which is what code scanning needs to show them; evidence about the graph itself (`graph:<node>`)
becomes a logical location. GitHub requires a file location on every result, so a finding
without file evidence points at the model card, and says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from scanner.model import Evidence, Finding, ScanResult
from scanner.reporters.interface import Reporter, ReportOptions
from scanner.reporters.summary import CRITERIA

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"fail": "error", "review": "warning", "info": "note"}
MODEL_CARD = "README.md"


def artifact_uri(path: str) -> tuple[str, bool]:
    """A URI reference for an evidence path, and whether it is relative to the scanned repository."""
    posix = path.replace("\\", "/")
    if posix.startswith(("http://", "https://", "file://")):
        return posix, False
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix, safe="/"), False
    clean = str(PurePosixPath(posix)) if posix not in ("", ".") else MODEL_CARD
    return quote(clean, safe="/-._~"), True


_PSEUDO_PATH = re.compile(r"^(?!https?:|file:)([a-z][a-z0-9+.-]*):(.+)$")


def _location(ev: Evidence) -> dict[str, Any]:
    pseudo = _PSEUDO_PATH.match(ev.path)
    if pseudo:  # e.g. `graph:<node id>`: a fact about the dependency graph, not a file
        logical: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": pseudo.group(2), "kind": "resource"}]}
        text = "; ".join(x for x in (f"{pseudo.group(1)} {pseudo.group(2)}", f"key {ev.key}" if ev.key else "",
                                      f"value {ev.excerpt}" if ev.excerpt else "") if x)
        logical["message"] = {"text": text}
        return logical
    uri, relative = artifact_uri(ev.path)
    artifact: dict[str, Any] = {"uri": uri}
    if relative and not ev.repo:
        artifact["uriBaseId"] = "%SRCROOT%"
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if isinstance(ev.line, int) and ev.line >= 1:
        region: dict[str, Any] = {"startLine": ev.line}
        if ev.excerpt:
            region["snippet"] = {"text": ev.excerpt}
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    notes = []
    if ev.key:
        notes.append(f"key {ev.key}")
    if ev.repo:
        notes.append(f"in repository {ev.repo}")
    if ev.excerpt and "region" not in physical:
        notes.append(f"excerpt: {ev.excerpt}")
    if notes:
        location["message"] = {"text": "; ".join(notes)}
    props = {}
    if ev.repo:
        props["repo"] = ev.repo
    if ev.detail:
        props["detail"] = ev.detail
    if props:
        location["properties"] = props
    return location


def _locations(finding: Finding, node_evidence: dict[str, list[Evidence]]) -> list[dict[str, Any]]:
    evidence = list(finding.evidence) or node_evidence.get(finding.node, [])
    locations = [_location(ev) for ev in evidence]
    if not any("physicalLocation" in loc for loc in locations):
        locations.append(
            {
                "physicalLocation": {"artifactLocation": {"uri": MODEL_CARD, "uriBaseId": "%SRCROOT%"}},
                "message": {"text": f"no file evidence for {finding.node}; shown on the model card"},
            }
        )
    return locations


def _rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.rule,
        "name": "".join(part.capitalize() for part in finding.rule.replace("-", ".").replace("_", ".").split(".") if part),
        "shortDescription": {"text": f"{finding.criterion} criterion: {finding.rule}"},
        "fullDescription": {"text": finding.source or finding.message},
        "defaultConfiguration": {"level": LEVELS.get(str(finding.severity), "warning")},
        "properties": {"criterion": str(finding.criterion), "tags": ["sovscan", str(finding.criterion)]},
    }
    if finding.remediation:
        rule["help"] = {"text": finding.remediation}
    if finding.source:
        rule["properties"]["source"] = finding.source
    return rule


def build_log(result: ScanResult) -> dict[str, Any]:
    order = {str(c): i for i, c in enumerate(CRITERIA)}
    findings = sorted(result.findings, key=lambda f: (order.get(str(f.criterion), 9), f.rule, f.node, f.id))
    node_evidence: dict[str, list[Evidence]] = {}
    for node in (result.graph or {}).get("nodes", []):
        node_evidence[node["id"]] = [Evidence.from_dict(e) for e in node.get("evidence", [])]
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    for f in sorted(findings, key=lambda f: (f.rule, f.id)):
        if f.rule not in rule_index:
            rule_index[f.rule] = len(rules)
            rules.append(_rule(f))
    results = []
    for f in findings:
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_index[f.rule],
            "level": LEVELS.get(str(f.severity), "warning"),
            "message": {"text": f.message or f.rule},
            "locations": _locations(f, node_evidence),
            "partialFingerprints": {
                "sovscanFinding/v1": hashlib.sha256(f"{f.rule}|{f.node}".encode()).hexdigest()[:32]
            },
            "properties": {
                "criterion": str(f.criterion),
                "severity": str(f.severity),
                "confidence": round(f.confidence, 3),
                "node": f.node,
                "graphPath": list(f.path),
            },
        }
        if f.waived:
            suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
            if f.waiver is not None:
                suppression["justification"] = (
                    f"{f.waiver.reason} (approved by {f.waiver.approver}, expires {f.waiver.expires})"
                )
            entry["suppressions"] = [suppression]
        results.append(entry)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "sovscan",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "informationUri": "https://sovscan.dev/",
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"sovscan/{result.policy_id}/{result.target.ref}"},
        "originalUriBaseIds": {
            "%SRCROOT%": {"description": {"text": f"root of the scanned repository {result.target.ref}"}}
        },
        "results": results,
        "properties": {
            "target": result.target.to_dict(),
            "policy": {"id": result.policy_id, "version": result.policy_version},
            "verdict": result.verdict.to_dict(),
            "generated": result.generated,
            "scanIssues": [i.to_dict() for i in result.scan_issues],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


class SarifReporter(Reporter):
    format = "sarif"
    filename = "report.sarif"

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        return (json.dumps(build_log(result), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

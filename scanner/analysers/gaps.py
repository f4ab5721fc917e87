"""What the scan could not read about the target leaves criteria undecided: make that a finding.

A malformed card hides the declared licence and base model; an unreadable config hides the
components; unreadable weights cannot be hashed. Such gaps must never let a criterion pass, so
each scan issue about the target (or about the scan as a whole) becomes a `review` finding on
the criteria it leaves open. Issues about upstream nodes are the rules engine's business
(unresolved nodes), not repeated here.
"""

from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

from scanner.graph import ModelGraph, Relation
from scanner.model import Criterion, Evidence, Finding, ScanIssue, Severity
from scanner.rules.ids import finding_id

RULE = "scan.unreadable-input"

_ALL = (Criterion.TECHNICAL, Criterion.POLICY, Criterion.ETHICS)
#: file patterns -> the criteria their content decides (first match wins)
_BY_PATTERN: tuple[tuple[tuple[str, ...], tuple[Criterion, ...]], ...] = (
    (("readme*",), _ALL),
    (("licen[cs]e*", "copying*", "notice*", "copyright*", "*use_policy*", "*terms*"), (Criterion.POLICY, Criterion.ETHICS)),
    (("*.safetensors", "*.safetensors.index.json", "*.bin", "*.pt", "*.pth", "*.pkl", "*.ckpt", "*.gguf",
      "config.json", "*config*.json", "*config*.yaml", "*loss*", "trainer_state.json", "*.sqlite"),
     (Criterion.TECHNICAL,)),
    (("*.py", "requirements*.txt", "pyproject.toml"), (Criterion.TECHNICAL, Criterion.ETHICS)),
)


#: criterion names as the Korean review publishes them
_CRITERION_KO = {Criterion.TECHNICAL: "기술적", Criterion.POLICY: "정책적", Criterion.ETHICS: "윤리적"}


def affected_criteria(issue: ScanIssue) -> tuple[Criterion, ...]:
    if issue.criteria is not None:
        return tuple(Criterion(c) for c in issue.criteria)
    name = PurePosixPath(issue.path).name.lower()
    for patterns, criteria in _BY_PATTERN:
        if any(fnmatch.fnmatch(name, p) for p in patterns):
            return criteria
    return (Criterion.TECHNICAL,)


def _about_target(issue: ScanIssue, graph: ModelGraph) -> bool:
    """Issues about the target itself or a part it contains (weights, tokenizer, code): files of
    the target repository. Upstream models and datasets it merely points at are left out."""
    if issue.node is None or graph.root is None:
        return True
    if issue.node == graph.root:
        return True
    node = graph.get(issue.node)
    return node is not None and any(
        e.source == graph.root and e.relation == Relation.CONTAINS for e in graph.in_edges(node.id)
    )


def gap_findings(issues: list[ScanIssue], graph: ModelGraph) -> list[Finding]:
    """One review finding per (criterion, target-related issue)."""
    out: list[Finding] = []
    for issue in issues:
        if not _about_target(issue, graph):
            continue
        node = issue.node or graph.root or "scan"
        for criterion in affected_criteria(issue):
            out.append(
                Finding(
                    id=finding_id(RULE, node, f"{criterion}:{issue.path}:{issue.problem}"),
                    rule=RULE,
                    criterion=criterion,
                    severity=Severity.REVIEW,
                    confidence=1.0,
                    node=node,
                    message=f"{issue.path} could not be read or checked ({issue.problem}), so the {criterion} "
                            "criterion cannot be fully decided.",
                    evidence=(Evidence(path=issue.path, excerpt=issue.problem),),
                    path=(node,),
                    remediation="Fix or provide the file and scan again, or check this part by hand.",
                    source="sovscan: unknown is never pass",
                    translations={"ko": {
                        "message": f"{issue.path}을(를) 읽거나 검사하지 못해({issue.problem}) "
                                   f"{_CRITERION_KO[criterion]} 기준을 완전히 판정할 수 없습니다.",
                        "remediation": "파일을 고치거나 제공한 뒤 다시 스캔하거나, 이 부분을 직접 확인하십시오.",
                    }},
                )
            )
    return out

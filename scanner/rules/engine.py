"""Running a policy pack over a model's graph: findings, waivers, a verdict per criterion.

Pure: the graph, the pack, the licence knowledge base and the date go in; an `Evaluation`
comes out. Each rule iterates its subject (the target, every node reachable from it, or every
edge leaving such a node), tests its condition, and for each match records the path through
the graph, the evidence of the node, of the path's edges and of the clause facts used, and a
confidence computed as the rule says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence

from scanner.graph import Edge, ModelGraph, Node, Relation
from scanner.model import Criterion, Evidence, Finding, ScanIssue, Severity, Verdict, Waiver
from scanner.rules.builtin import engine_rules
from scanner.rules.conditions import Context, Match, Scan, node_value, org_of, reachable
from scanner.rules.ids import finding_id
from scanner.rules.licensing import LicenceResolver
from scanner.rules.schema import PolicyPack, Rule
from scanner.rules.templates import render
from scanner.rules.verdict import decide
from scanner.rules.waivers import apply_waivers

_AUTO: Any = object()

_CRITERION_ORDER = {c: i for i, c in enumerate(Criterion)}
_SEVERITY_ORDER = {Severity.FAIL: 0, Severity.REVIEW: 1, Severity.INFO: 2}


@dataclass
class Evaluation:
    """The rules engine's result: every finding (waived ones included), the verdict, and the
    problems the engine met (no target, knowledge base missing)."""

    findings: list[Finding]
    verdict: Verdict
    issues: list[ScanIssue] = field(default_factory=list)

    def finding(self, finding_id: str) -> Finding | None:
        for f in self.findings:
            if f.id == finding_id:
                return f
        return None


def default_knowledge() -> tuple[Any, Any, list[ScanIssue]]:
    """The shipped licence knowledge base and licensors table, or an issue saying why not."""
    try:
        from scanner.licences.knowledge import knowledge, licensors
    except ImportError as exc:
        return None, None, [ScanIssue(path="licences/", problem=f"licence knowledge base unavailable: {exc}")]
    issues: list[ScanIssue] = []
    kb = lic = None
    try:
        kb = knowledge()
    except Exception as exc:  # a broken KB must not stop the verdict; every licence is then unknown
        issues.append(ScanIssue(path="licences/", problem=f"licence knowledge base failed to load: {exc}"))
    try:
        lic = licensors()
    except Exception as exc:
        issues.append(ScanIssue(path="licences/licensors.yaml", problem=f"licensors table failed to load: {exc}"))
    return kb, lic, issues


def find_target(graph: ModelGraph) -> Node | None:
    if graph.root is not None and graph.root in graph:
        return graph.node(graph.root)
    targets = [n for n in graph.nodes() if n.attributes.get("is_target")]
    return targets[0] if len(targets) == 1 else None


def evaluate(
    graph: ModelGraph,
    pack: PolicyPack,
    waivers: Sequence[Waiver] | None = None,
    today: dt.date | None = None,
    *,
    knowledge: Any = _AUTO,
    licensors: Any = _AUTO,
) -> Evaluation:
    """Judge `graph` against `pack`. `knowledge`/`licensors` default to the shipped knowledge
    base; pass objects with the same `lookup` API (or None for "nothing known")."""
    issues: list[ScanIssue] = []
    if knowledge is _AUTO or licensors is _AUTO:
        kb, lic, problems = default_knowledge()
        issues.extend(problems)
        knowledge = kb if knowledge is _AUTO else knowledge
        licensors = lic if licensors is _AUTO else licensors
    today = today or dt.datetime.now(dt.timezone.utc).date()

    target = find_target(graph)
    if target is None:
        issues.append(ScanIssue(path="graph", problem="the graph has no target (root) node; nothing can be judged"))
        findings = [
            Finding(
                id=finding_id("engine.no-target", "graph", str(c)),
                rule="engine.no-target",
                criterion=c,
                severity=Severity.REVIEW,
                confidence=1.0,
                node="graph",
                message="The scan produced no target model node, so this criterion cannot be judged.",
                remediation="Check the scan issues: the target could not be read.",
                source="sovscan engine: unknown is never pass",
                translations={"ko": {
                    "message": "스캔 결과에 대상 모델 노드가 없어 이 기준을 판정할 수 없습니다.",
                    "remediation": "스캔 문제 목록을 확인하십시오. 대상을 읽지 못했습니다.",
                }},
            )
            for c in Criterion
        ]
        return Evaluation(findings, decide(findings, float(pack.parameters["min_fail_confidence"])), issues)

    scan = Scan(graph=graph, target=target, parameters=dict(pack.parameters),
                licences=LicenceResolver(knowledge, licensors))
    runner = _Runner(scan)
    findings: list[Finding] = []
    for rule in list(pack.rules) + engine_rules(pack.parameters):
        try:
            findings.extend(runner.run(rule))
        except Exception as exc:  # one rule meeting odd data must not stop the verdict
            issues.append(ScanIssue(path=rule.file or "rules", problem=f"rule {rule.id} could not be evaluated: "
                                    f"{type(exc).__name__}: {exc}"))
            findings.append(_rule_failed(rule, target, exc))
    notes: list[Finding] = []
    if waivers:
        findings, notes = apply_waivers(findings, waivers, today, pack)
    findings = _sorted(findings + notes)
    verdict = decide(findings, float(pack.parameters["min_fail_confidence"]))
    return Evaluation(findings, verdict, issues)


def _rule_failed(rule: Rule, target: Node, exc: Exception) -> Finding:
    """A rule that could not run leaves its criterion undecided: a review finding."""
    return Finding(
        id=finding_id("engine.rule-error", target.id, rule.id),
        rule="engine.rule-error",
        criterion=rule.criterion,
        severity=Severity.REVIEW,
        confidence=1.0,
        node=target.id,
        message=f"Rule {rule.id} could not be evaluated on this graph ({type(exc).__name__}: {exc}), "
                f"so what it checks is undecided.",
        remediation="Report the problem with the scan's report.json; review what the rule checks by hand.",
        source=rule.source,
        translations={"ko": {
            "message": f"규칙 {rule.id}을(를) 이 그래프에서 평가하지 못했습니다({type(exc).__name__}: {exc}). "
                       "따라서 이 규칙이 검사하는 내용은 판정되지 않았습니다.",
            "remediation": "스캔의 report.json과 함께 문제를 보고하고, 이 규칙이 검사하는 내용을 직접 검토하십시오.",
        }},
    )


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (_CRITERION_ORDER[f.criterion], _SEVERITY_ORDER[f.severity], f.rule, f.node, f.id),
    )


class _Runner:
    """Evaluates rules over one scan, caching reachability and template views."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self._reach: dict[tuple, dict[str, list[Edge]]] = {}
        self._views: dict[str, dict[str, Any]] = {}

    def reach(self, via: frozenset[Relation], hops: int) -> dict[str, list[Edge]]:
        key = (via, hops)
        if key not in self._reach:
            root = self.scan.target.id
            found = {root: []}
            found.update(reachable(self.scan.graph, root, via, hops))
            self._reach[key] = found
        return self._reach[key]

    def subjects(self, rule: Rule) -> list[tuple[Node, Edge | None, tuple[Edge, ...]]]:
        graph = self.scan.graph
        if rule.subject.kind == "target":
            return [(self.scan.target, None, ())]
        hops = int(self.scan.param(rule.subject.max_hops) or 8)
        reached = self.reach(rule.subject.via, hops)
        if rule.subject.kind == "node":
            return [(graph.node(nid), None, tuple(path)) for nid, path in sorted(reached.items())]
        out = []
        for nid, path in sorted(reached.items()):
            for edge in sorted(graph.out_edges(nid), key=lambda e: (str(e.relation), e.target)):
                out.append((graph.node(nid), edge, tuple(path) + (edge,)))
        return out

    def run(self, rule: Rule) -> list[Finding]:
        out = []
        for node, edge, path in self.subjects(rule):
            ctx = Context(self.scan, node, edge, path)
            match = rule.when.match(ctx)
            if match is not None:
                out.append(self.finding(rule, ctx, match))
        return out

    # -- building a finding --------------------------------------------------------------------
    def finding(self, rule: Rule, ctx: Context, match: Match) -> Finding:
        edges = list(ctx.path) + [e for e in match.edges if e not in ctx.path]
        node_path = _node_path(self.scan.target.id, edges)
        confidence = self.confidence(rule, ctx, edges)
        about = f"{ctx.edge.relation}|{ctx.edge.target}" if ctx.edge is not None else ""
        values = self.template_values(rule, ctx, match, node_path, edges, confidence)
        return Finding(
            id=finding_id(rule.id, ctx.node.id, about),
            rule=rule.id,
            criterion=rule.criterion,
            severity=rule.severity,
            confidence=confidence,
            node=ctx.node.id,
            message=render(rule.message, values),
            evidence=tuple(_evidence(ctx, edges, match)),
            path=tuple(node_path),
            remediation=render(rule.remediation, values),
            source=rule.source,
            translations={
                lang: {key: render(text, values, lang) for key, text in texts.items()}
                for lang, texts in rule.translations.items()
            },
        )

    def confidence(self, rule: Rule, ctx: Context, edges: list[Edge]) -> float:
        spec = rule.confidence
        if spec.mode == "fixed":
            return spec.value
        if spec.mode == "attribute":
            present, value = node_value(ctx.node, spec.attribute or "")
            if present and isinstance(value, (int, float)) and not isinstance(value, bool):
                return max(0.0, min(1.0, float(value)))
            return spec.value
        if spec.mode == "edge":
            edge = ctx.edge or (edges[-1] if edges else None)
            return edge.confidence if edge is not None else 1.0
        return min((e.confidence for e in edges), default=1.0)

    def node_view(self, node: Node | None) -> dict[str, Any] | None:
        if node is None:
            return None
        if node.id not in self._views:
            self._views[node.id] = {
                "id": node.id,
                "name": node.name,
                "kind": str(node.kind),
                "supplier": node.supplier or org_of(node),
                "country": self.scan.country_of(node),
                "licence": node.licence,
                "resolved": node.resolved,
                "attributes": node.attributes,
                "licence_info": self.scan.licence(node).as_template(),
            }
        return self._views[node.id]

    def template_values(self, rule: Rule, ctx: Context, match: Match, node_path: list[str],
                        edges: list[Edge], confidence: float) -> dict[str, Any]:
        graph = self.scan.graph
        edge = ctx.edge or (edges[-1] if edges else None)
        ancestor = match.bindings.get("ancestor")
        return {
            "node": self.node_view(ctx.node),
            "edge": _edge_view(edge),
            "source": self.node_view(graph.get(edge.source)) if edge else None,
            "upstream": self.node_view(graph.get(edge.target)) if edge else None,
            "target": self.node_view(self.scan.target),
            "licence": self.scan.licence(ctx.node).as_template(),
            "fact": match.bindings.get("fact"),
            "facts": match.bindings.get("facts", []),
            "ancestor": self.node_view(ancestor) if ancestor is not None else None,
            "duty": match.bindings.get("duty"),
            "params": self.scan.parameters,
            "path": [graph.node(n).name if n in graph else n for n in node_path],
            "confidence": round(confidence, 3),
            "rule": {"id": rule.id, "criterion": str(rule.criterion), "severity": str(rule.severity)},
        }


#: How a relation reads in a sentence "<source> <phrase> <target>" (template `edge.phrase`).
RELATION_PHRASES: dict[Relation, str] = {
    Relation.FINETUNE_OF: "is a fine-tune of",
    Relation.ADAPTER_OF: "is an adapter of",
    Relation.MERGE_OF: "is a merge of",
    Relation.QUANTIZED_OF: "is a quantisation of",
    Relation.DISTILLED_FROM: "is distilled from",
    Relation.DERIVED_FROM: "is derived from",
    Relation.CONTAINS: "contains",
    Relation.REUSES_WEIGHTS_OF: "reuses the weights of",
    Relation.COPIES_CODE_FROM: "copies code from",
    Relation.RUNS_REMOTE_CODE_OF: "runs the remote code of",
    Relation.TRAINED_ON: "is trained on",
    Relation.EVALUATED_ON: "is evaluated on",
    Relation.DEPENDS_ON: "depends on",
}


def _edge_view(edge: Edge | None) -> dict[str, Any] | None:
    if edge is None:
        return None
    return {
        "source": edge.source,
        "target": edge.target,
        "relation": str(edge.relation),
        "phrase": RELATION_PHRASES.get(edge.relation, str(edge.relation)),
        "confidence": round(edge.confidence, 3),
        "attributes": edge.attributes,
    }


def _node_path(root: str, edges: list[Edge]) -> list[str]:
    """Node ids from the target along the edges (a `reachable` match continues from its focus)."""
    out = [root]
    for edge in edges:
        if out[-1] != edge.source:
            out.append(edge.source)
        out.append(edge.target)
    return out


def _evidence(ctx: Context, edges: list[Edge], match: Match) -> list[Evidence]:
    items: list[Evidence] = []
    if ctx.edge is not None:
        items.extend(ctx.edge.evidence)
    else:
        items.extend(ctx.node.evidence)
    for edge in reversed(edges):
        items.extend(edge.evidence)
    items.extend(match.evidence)
    out: list[Evidence] = []
    for ev in items:
        if ev not in out:
            out.append(ev)
    return out

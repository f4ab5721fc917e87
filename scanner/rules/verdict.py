"""From findings to a verdict per criterion, with one line of reasons each.

`fail` needs a standing (not waived) fail-severity finding whose confidence reaches the pack's
`min_fail_confidence`; weaker fails, review findings (including the engine's unresolved and
unknown-licence findings) give `review`; only then `pass`. Info findings never change a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.model import Criterion, Finding, Outcome, Severity, Verdict


def decide(findings: Iterable[Finding], min_fail_confidence: float) -> Verdict:
    findings = list(findings)
    outcomes: dict[Criterion, Outcome] = {}
    reasons: dict[Criterion, str] = {}
    for criterion in Criterion:
        mine = [f for f in findings if f.criterion == criterion]
        standing = [f for f in mine if not f.waived]
        waived = len(mine) - len(standing)
        fails = [f for f in standing if f.severity == Severity.FAIL and f.confidence >= min_fail_confidence]
        weak = [f for f in standing if f.severity == Severity.FAIL and f.confidence < min_fail_confidence]
        reviews = [f for f in standing if f.severity == Severity.REVIEW]
        tail = f"; {waived} waived" if waived else ""
        if fails:
            outcomes[criterion] = Outcome.FAIL
            reasons[criterion] = "fail: " + _line(fails, "failing finding", "failing findings") + tail
        elif weak or reviews:
            outcomes[criterion] = Outcome.REVIEW
            parts = []
            if weak:
                below = f"below confidence {min_fail_confidence:g}"
                parts.append(_line(weak, f"fail finding {below}", f"fail findings {below}"))
            if reviews:
                parts.append(_line(reviews, "finding needing review", "findings needing review"))
            reasons[criterion] = "review: " + "; ".join(parts) + tail
        else:
            outcomes[criterion] = Outcome.PASS
            infos = sum(1 for f in standing if f.severity == Severity.INFO)
            detail = f"no rule failed ({infos} info finding{'s' if infos != 1 else ''})" if infos else "no rule fired"
            reasons[criterion] = f"pass: {detail}{tail}"
    return Verdict.combine(outcomes, reasons)


def _line(findings: list[Finding], singular: str, plural: str) -> str:
    first = findings[0]
    if len(findings) == 1:
        return f"1 {singular}: {first.rule} on {first.node}"
    return f"{len(findings)} {plural}, e.g. {first.rule} on {first.node}"

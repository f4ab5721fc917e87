"""`sovscan explain REPORT.json FINDING-ID`: one finding, told in full from a saved report."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click

from scanner.cli.exit_codes import ExitCode


@click.command("explain")
@click.argument("report", type=click.Path(dir_okay=False))
@click.argument("finding_id")
def explain(report: str, finding_id: str) -> int:
    """Explain FINDING-ID of REPORT (a report.json): rule, message, the path through the graph
    with its relations, evidence, confidence, waiver, remediation and source.

    FINDING-ID is the `id` of a finding (e.g. `tech.inherited-weights#9f2748e5`); a unique
    prefix is enough.
    """
    try:
        data = json.loads(Path(report).read_text(encoding="utf-8"))
    except FileNotFoundError:
        click.echo(f"sovscan: report not found: {report}", err=True)
        return ExitCode.USAGE
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"sovscan: cannot read report {report}: {exc}", err=True)
        return ExitCode.USAGE
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        click.echo(f"sovscan: {report} is not a sovscan report (no findings list)", err=True)
        return ExitCode.USAGE
    ids = [f.get("id", "") for f in findings if isinstance(f, dict)]
    chosen = [f for f in findings if isinstance(f, dict) and f.get("id") == finding_id]
    if not chosen:
        chosen = [f for f in findings if isinstance(f, dict) and str(f.get("id", "")).startswith(finding_id)]
    if len(chosen) != 1:
        if chosen:
            listing = ", ".join(str(f.get("id")) for f in chosen[:8])
            click.echo(f"sovscan: '{finding_id}' matches {len(chosen)} findings: {listing}", err=True)
        else:
            near = [i for i in ids if finding_id.split("#")[0] in i][:8]
            hint = f"; findings of that rule: {', '.join(near)}" if near else f"; the report has {len(ids)} finding(s)"
            click.echo(f"sovscan: no finding '{finding_id}' in {report}{hint}", err=True)
        return ExitCode.USAGE
    click.echo(render_explanation(chosen[0], data.get("graph") or {}))
    return ExitCode.PASS


def render_explanation(finding: dict[str, Any], graph: dict[str, Any]) -> str:
    """Plain-text explanation of one finding dict (as in report.json)."""
    wrap = lambda text, indent="    ": textwrap.fill(str(text), 96, initial_indent=indent, subsequent_indent=indent)  # noqa: E731
    lines = [
        f"Finding {finding.get('id')}",
        f"  rule        {finding.get('rule')} ({finding.get('criterion')}, {finding.get('severity')})",
        f"  node        {finding.get('node')}",
        f"  confidence  {finding.get('confidence')}",
    ]
    waiver = finding.get("waiver")
    if finding.get("waived") and isinstance(waiver, dict):
        lines.append(
            f"  waived      yes — by {waiver.get('approver')} until {waiver.get('expires')}: {waiver.get('reason')}"
        )
    else:
        lines.append("  waived      no")
    lines += ["  message", wrap(finding.get("message", ""))]
    path = finding.get("path") or []
    if path:
        lines.append("  path through the graph")
        names = {n.get("id"): n.get("name") for n in graph.get("nodes", []) if isinstance(n, dict)}
        edges = [e for e in graph.get("edges", []) if isinstance(e, dict)]
        lines.append(f"    {path[0]}")
        for prev, nxt in zip(path, path[1:]):
            rels = [e for e in edges if e.get("source") == prev and e.get("target") == nxt]
            label = ", ".join(
                f"{e.get('relation')}" + (f" ({e.get('confidence')})" if e.get("confidence", 1) != 1 else "")
                for e in rels
            ) or "?"
            name = names.get(nxt)
            lines.append(f"      --{label}--> {nxt}" + (f"  [{name}]" if name and name not in nxt else ""))
    evidence = finding.get("evidence") or []
    lines.append(f"  evidence ({len(evidence)})")
    for ev in evidence:
        if not isinstance(ev, dict):
            continue
        where = str(ev.get("path", ""))
        if ev.get("repo"):
            where = f"{ev['repo']}:{where}"
        if ev.get("line") is not None:
            where += f":{ev['line']}"
        if ev.get("key"):
            where += f" [{ev['key']}]"
        lines.append(f"    - {where}")
        if ev.get("excerpt"):
            lines.append(wrap(f"> {ev['excerpt']}", "        "))
    lines += ["  remediation", wrap(finding.get("remediation", "")), f"  source      {finding.get('source', '')}"]
    return "\n".join(lines)

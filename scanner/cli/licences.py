"""`sovscan licences`: read the licence knowledge base (what each licence lets its licensor do)."""

from __future__ import annotations

import difflib
import json
import textwrap

import click

from scanner.cli.exit_codes import ExitCode
from scanner.cli.licences_identify import identify

# Short flags for the table, in vocabulary order (control-relevant first in the vocabulary).
_FLAGS = {
    "terminate_on_breach": "term:breach",
    "terminate_on_litigation": "term:suit",
    "terminate_at_will": "term:will",
    "revocable": "revocable",
    "unilateral_amendment": "amend",
    "updatable_policy": "policy",
    "remote_restriction": "remote",
    "field_of_use": "use-limits",
    "non_commercial": "NC",
    "commercial_gate": "gate",
    "attribution_notice": "notice",
    "built_with": "built-with",
    "name_prefix": "name-prefix",
    "licence_copy": "copy",
    "propagation": "flow-down",
    "output_restriction": "outputs",
    "geographic_exclusion": "geo",
    "export_control": "export",
    "patent_termination": "patent-term",
    "copyleft": "copyleft",
}


def _kb():
    from scanner.licences.knowledge import KnowledgeBaseError, knowledge

    try:
        return knowledge()
    except KnowledgeBaseError as exc:
        click.echo(f"sovscan: licence knowledge base is broken: {exc}", err=True)
        raise click.exceptions.Exit(ExitCode.SCAN_ERROR) from None


def _flags(entry) -> str:
    out = []
    for fact in entry.iter_facts():
        flag = _FLAGS[fact.name]
        if fact.name == "commercial_gate":
            limits = []
            if fact.detail("mau_threshold"):
                limits.append(_short_number(fact.detail("mau_threshold")))
            if fact.detail("dau_threshold"):
                limits.append(_short_number(fact.detail("dau_threshold")) + "DAU")
            revenue = fact.detail("revenue_threshold")
            if revenue:
                limits.append(f"{revenue['currency']}{_short_number(int(revenue['amount']))}/{revenue['period'][0]}")
            if limits:
                flag += f"({'|'.join(limits)})"
        if not fact.verified:
            flag += "?"
        out.append(flag)
    return " ".join(out) or "-"


def _short_number(value: int) -> str:
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= size and value % size == 0:
            return f"{value // size}{suffix}"
    return str(value)


def _country(entry) -> str:
    if entry.licensor_is_releaser:
        return "(releaser)"
    return entry.licensor.country or "?"


@click.group("licences")
def licences() -> None:
    """Read the licence knowledge base: clause facts with their sections and quotes."""


@licences.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
def list_licences(fmt: str) -> int:
    """List every licence with its licensor's country, category and clause flags.

    Flags: term:breach / term:suit / term:will (termination on breach, on litigation, at will),
    revocable, amend (unilateral amendment), policy (updatable use policy), remote (remote
    restriction), NC, gate (commercial threshold), notice, built-with, name-prefix, copy,
    flow-down, outputs (output-use limit), geo, export, patent-term, copyleft. A trailing `?`
    marks a fact not checked against a stored licence text.
    """
    kb = _kb()
    entries = kb.all()
    if fmt == "json":
        rows = [
            {
                "key": e.key,
                "kind": e.kind,
                "name": e.name,
                "spdx_id": e.spdx_id,
                "licensor": e.licensor.entity,
                "licensor_country": e.licensor.country,
                "licensor_is_releaser": e.licensor_is_releaser,
                "governing_law_country": e.governing_law.country,
                "category": e.category,
                "osi_approved": e.osi_approved,
                "facts_status": e.facts_status,
                "facts": [f.name for f in e.iter_facts()],
            }
            for e in entries
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return ExitCode.PASS
    key_w = max(len(e.key) for e in entries)
    cat_w = max(len(e.category) for e in entries)
    click.echo(f"{'KEY':<{key_w}}  {'COUNTRY':<10}  {'LAW':<4}  {'CATEGORY':<{cat_w}}  FACTS")
    for e in entries:
        law = e.governing_law.country or "-"
        status = "" if e.facts_status == "complete" else f" [{e.facts_status}]"
        click.echo(f"{e.key:<{key_w}}  {_country(e):<10}  {law:<4}  {e.category:<{cat_w}}  {_flags(e)}{status}")
    click.echo(f"{len(entries)} entries ({sum(1 for e in entries if e.kind == 'licence')} licences, "
               f"{sum(1 for e in entries if e.kind == 'policy')} use policies)")
    return ExitCode.PASS


@licences.command("show")
@click.argument("licence_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.pass_context
def show_licence(ctx: click.Context, licence_id: str, fmt: str) -> int:
    """Show one licence: identifiers, licensor, law and every clause fact with section and quote.

    LICENCE_ID may be our key, a SPDX id, a Hugging Face `license:` id, a ScanCode key, a Hub
    `license_name` or a `license_link` URL.
    """
    kb = _kb()
    entry = kb.lookup(licence_id)
    if entry is None:
        keys = [e.key for e in kb.all()]
        close = difflib.get_close_matches(licence_id.lower(), keys, n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else " Run `sovscan licences list` for the keys."
        click.echo(f"sovscan: no licence {licence_id!r} in the knowledge base.{hint}", err=True)
        ctx.exit(ExitCode.USAGE)
    if fmt == "json":
        click.echo(json.dumps(entry.to_dict(), indent=2, ensure_ascii=False))
        return ExitCode.PASS
    for line in _describe(entry):
        click.echo(line)
    return ExitCode.PASS


def _describe(entry) -> list[str]:
    """Human-readable lines for `show` (presentation only)."""
    lines = [f"{entry.name}  [{entry.key}]" + ("  (use policy)" if entry.kind == "policy" else "")]
    ids = [f"SPDX {entry.spdx_id}"]
    if entry.hf_ids:
        ids.append("Hub " + ", ".join(entry.hf_ids))
    if entry.scancode_key:
        ids.append(f"ScanCode {entry.scancode_key}")
    if entry.license_names:
        ids.append("license_name " + ", ".join(entry.license_names))
    lines.append("ids:        " + "; ".join(ids))
    if entry.license_links:
        lines.append("links:      " + ", ".join(entry.license_links))
    version = " ".join(x for x in (entry.version and f"version {entry.version}", entry.date and f"dated {entry.date}") if x)
    if version:
        lines.append("release:    " + version)
    if entry.licensor_is_releaser:
        lines.append("licensor:   the organisation that releases the work (no licensor named in the text)")
    else:
        lic = entry.licensor
        flag = "" if lic.verified else " (unverified)"
        lines.append(f"licensor:   {lic.entity or 'not named'} ({lic.country or 'country unknown'}){flag}")
        for alt, when in entry.licensor_alternates:
            lines.append(f"            {alt.entity} ({alt.country}) when {when}")
    if entry.steward is not None:
        lines.append(f"steward:    {entry.steward.entity} ({entry.steward.country or '?'})")
    law = entry.governing_law
    if law.law or law.forum:
        where = f" (§{law.section})" if law.section else ""
        lines.append(f"law:        {law.law or '-'}; forum: {law.forum or '-'}{where}")
        if law.quote:
            lines.append(f"            \"{law.quote}\"")
    else:
        lines.append("law:        none stated" + (f" — {law.note}" if law.note else ""))
    lines.append(f"category:   {entry.category}; OSI approved: {'yes' if entry.osi_approved else 'no'}; "
                 f"facts: {entry.facts_status}")
    if entry.policies:
        lines.append("policies:   " + ", ".join(entry.policies))
    if entry.related:
        lines.append("related:    " + ", ".join(entry.related))
    lines.append("")
    if not entry.facts:
        lines.append("clause facts: none (no termination, amendment, use restriction or notice duty recorded)")
    else:
        lines.append("clause facts:")
    for fact in entry.iter_facts():
        mark = "" if fact.verified else "  [unverified]"
        lines.append(f"  {fact.name}  {fact.citation}{mark}")
        if fact.quote:
            source = f" (from {fact.quote_from})" if fact.quote_from else ""
            lines.extend(_wrap(f"\"{fact.quote}\"{source}", "      "))
        for name, value in fact.details.items():
            if name in ("summary", "note"):
                continue
            lines.append(f"      {name}: {_render(value)}")
        for name in ("summary", "note"):
            if fact.detail(name):
                lines.extend(_wrap(f"{name}: {fact.detail(name)}", "      "))
    if entry.notes:
        lines.append("")
        lines.extend(_wrap("notes: " + entry.notes, ""))
    if entry.sources:
        lines.append("checked against: " + "; ".join(entry.sources))
    return lines


def _render(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_render(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and value >= 10_000:
        return f"{value:,}"
    return str(value)


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False) or [indent]


licences.add_command(identify)

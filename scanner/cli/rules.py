"""`sovscan rules`: list, show and validate policy packs, so reviewers can read what will run."""

from __future__ import annotations

import difflib

import click
import yaml

from scanner.cli.exit_codes import ExitCode

_DEFAULT_POLICY = "kr-sovereign-2026"


def _load(policy: str):
    from scanner.rules import RuleError, load_pack

    try:
        return load_pack(policy)
    except RuleError as exc:
        raise click.UsageError(str(exc)) from None


@click.group("rules")
def rules() -> None:
    """Read and check policy packs (the YAML rules a scan is judged by)."""


@rules.command("list")
@click.option("--policy", default=_DEFAULT_POLICY, show_default=True, metavar="NAME|PATH",
              help="Policy pack: a shipped name or the path of a pack file.")
def list_rules(policy: str) -> int:
    """List the rules of a pack (after `extends`), then the engine's own rules."""
    from scanner.rules import available_packs
    from scanner.rules.builtin import engine_rules

    pack = _load(policy)
    lineage = " <- ".join(pack.lineage)
    click.echo(f"{pack.id} {pack.version}: {pack.title}  [{lineage}]")
    click.echo(f"parameters: {', '.join(f'{k}={v}' for k, v in sorted(pack.parameters.items()))}")
    if pack.disabled:
        click.echo(f"disabled: {', '.join(pack.disabled)}")
    width = max(len(r.id) for r in list(pack.rules) + engine_rules(pack.parameters))
    for rule in pack.rules:
        click.echo(f"  {rule.id:<{width}}  {rule.criterion:<9}  {rule.severity:<6}  {rule.title}")
    click.echo("engine rules (always on):")
    for rule in engine_rules(pack.parameters):
        click.echo(f"  {rule.id:<{width}}  {rule.criterion:<9}  {rule.severity:<6}  {rule.title}")
    click.echo(f"shipped packs: {', '.join(available_packs())}")
    return ExitCode.PASS


@rules.command("show")
@click.argument("rule_id")
@click.option("--policy", default=_DEFAULT_POLICY, show_default=True, metavar="NAME|PATH",
              help="Policy pack: a shipped name or the path of a pack file.")
def show_rule(rule_id: str, policy: str) -> int:
    """Show one rule as written, with where it comes from."""
    from scanner.rules.builtin import engine_rules

    pack = _load(policy)
    candidates = list(pack.rules) + engine_rules(pack.parameters)
    rule = next((r for r in candidates if r.id == rule_id), None)
    if rule is None:
        hint = difflib.get_close_matches(rule_id, [r.id for r in candidates], n=3)
        more = f"; did you mean {', '.join(hint)}?" if hint else "; see `sovscan rules list`"
        click.echo(f"sovscan: pack {pack.id} has no rule '{rule_id}'{more}", err=True)
        return ExitCode.USAGE
    where = f"{rule.file}:{rule.line}" if rule.line else (rule.file or "")
    click.echo(f"# {rule.id} — {rule.title or '(no title)'}")
    click.echo(f"# from pack {rule.pack}" + (f" ({where})" if where else ""))
    click.echo(f"# runs on: {rule.subject.kind}, reached via {', '.join(sorted(str(r) for r in rule.subject.via))}")
    click.echo(yaml.safe_dump(rule.data, sort_keys=False, allow_unicode=True, width=100).rstrip())
    return ExitCode.PASS


@rules.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> int:
    """Check a policy pack (or a waivers file) and say precisely what is wrong.

    Exit 0 when valid, 2 when not (the message names file, line and what was expected).
    """
    from pathlib import Path

    from scanner.rules import RuleError, load_pack, load_waivers
    from scanner.rules.loader import read_located

    try:
        data, _lines = read_located(Path(file))
        if isinstance(data, list):
            waivers = load_waivers(file)
            click.echo(f"valid waivers file: {len(waivers)} waiver(s)")
            return ExitCode.PASS
        pack = load_pack(file if ("/" in file or file.endswith((".yaml", ".yml"))) else f"./{file}")
    except RuleError as exc:
        click.echo(f"invalid: {exc}", err=True)
        return ExitCode.USAGE
    extends = f", extends {' <- '.join(pack.lineage[1:])}" if pack.extends else ""
    click.echo(f"valid policy pack {pack.id} {pack.version}: {len(pack.rules)} rule(s){extends}")
    return ExitCode.PASS

"""`sovscan scan TARGET`: judge a model repository and write the reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from scanner.cli.exit_codes import ExitCode
from scanner.model import Outcome, ScanResult


def _formats() -> list[str]:
    from scanner.reporters import formats

    return formats()


@click.command("scan")
@click.argument("target")
@click.option("--policy", default="kr-sovereign-2026", show_default=True,
              help="Policy pack: a name from `sovscan rules list` or the path of a pack YAML file.")
@click.option("--format", "formats", multiple=True, default=("json", "md"), show_default=True,
              metavar="FORMAT", help="Report format; repeat for several (json, md, html, spdx-json, spdx, spdx3, cyclonedx, sarif).")
@click.option("--output-dir", type=click.Path(file_okay=False), default="sovscan-report", show_default=True,
              help="Directory for report.<ext> files (created if missing).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="Language of the HTML and Markdown reports.")
@click.option("--revision", help="Hub revision (branch, tag or commit) of the target.")
@click.option("--repo-id", help="Hub id (org/name) the local target mirrors, when its folder name does not say.")
@click.option("--depth", type=click.IntRange(0, 64), default=8, show_default=True,
              help="How many levels of upstream models and datasets to follow.")
@click.option("--offline", is_flag=True, default=None, help="Never contact the Hub; use the local cache only.")
@click.option("--reference-db", type=click.Path(dir_okay=False), help="Weight fingerprint store to compare against.")
@click.option("--training-log", type=click.Path(exists=True, dir_okay=False), help="A loss log (CSV or JSON Lines) to check.")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False), help="YAML file of accepted exceptions.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date for waiver expiry (default: today).")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary on the terminal.")
def scan(target, policy, formats, output_dir, lang, revision, repo_id, depth, offline, reference_db,
         training_log, waivers, today, quiet) -> int:
    """Scan TARGET (a local model repository, a Hugging Face cache snapshot or a Hub id such as
    org/name) and judge it against a policy pack, criterion by criterion.

    \b
    Exit codes:
      0  every criterion passes
      1  some criterion fails
      2  usage error (bad option, unknown policy, malformed pack or waiver file)
      3  nothing fails but something needs review
      4  the scan could not run (target missing, unreadable or empty)
    """
    from scanner.pipeline import PolicyError, ScanError, ScanOptions, run_scan
    from scanner.reporters import ReporterError, ReportOptions, get_reporter

    known = _formats()
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise click.UsageError(f"unknown format {unknown[0]!r}; choose from {', '.join(known)}")
    if repo_id is not None:
        from scanner.sources.hub import looks_like_repo_id

        if not looks_like_repo_id(repo_id):  # it becomes node ids and report names: no paths, no markup
            raise click.BadParameter(f"{repo_id!r} is not a Hub id (org/name)", param_hint="'--repo-id'")
    options = ScanOptions(
        target=target, policy=policy, revision=revision, repo_id=repo_id, depth=depth, offline=offline,
        reference_db=reference_db, training_log=training_log, waivers=waivers,
        today=today.date() if today else date.today(), quiet=quiet,
    )
    try:
        result = run_scan(options)
    except PolicyError as exc:
        click.echo(f"sovscan: {exc}", err=True)
        return ExitCode.USAGE
    except ScanError as exc:
        click.echo(f"sovscan: cannot scan: {exc}", err=True)
        return ExitCode.SCAN_ERROR

    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in dict.fromkeys(formats):
            reporter = get_reporter(fmt)
            path = out / reporter.filename
            path.write_bytes(reporter.render(result, ReportOptions(lang=lang)))
            written.append(path)
    except (OSError, ReporterError) as exc:
        click.echo(f"sovscan: cannot write the report: {exc}", err=True)
        return ExitCode.SCAN_ERROR
    if not quiet:
        _summary(result, written)
    return exit_code_for(result)


def exit_code_for(result: ScanResult) -> int:
    overall = result.verdict.overall
    if overall == Outcome.FAIL:
        return ExitCode.FAIL
    if overall == Outcome.REVIEW:
        return ExitCode.REVIEW
    return ExitCode.PASS


_MARK = {"pass": "PASS  ", "fail": "FAIL  ", "review": "REVIEW"}


def _summary(result: ScanResult, written: list[Path]) -> None:
    click.echo(f"sovscan {result.target.ref} — policy {result.policy_id} {result.policy_version}")
    for criterion, outcome in result.verdict.criteria.items():
        reason = result.verdict.reasons.get(criterion, "")
        click.echo(f"  {criterion:<10} {_MARK[str(outcome)]}  {reason}")
    standing = [f for f in result.findings if not f.waived and str(f.severity) != "info"]
    click.echo(
        f"  overall    {_MARK[str(result.verdict.overall)]}  "
        f"{len(standing)} finding(s) to act on, {len(result.findings) - len(standing)} other, "
        f"{len(result.scan_issues)} scan issue(s)"
    )
    for path in written:
        click.echo(f"  wrote {path}")

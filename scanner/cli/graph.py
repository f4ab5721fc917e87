"""`sovscan graph TARGET`: resolve a model's dependency graph and print it alone on stdout."""

from __future__ import annotations

import sys

import click

from scanner.cli.exit_codes import ExitCode


@click.command("graph")
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "mermaid"]), default="json", show_default=True,
              help="Output format of the graph.")
@click.option("--depth", type=click.IntRange(0, 64), default=8, show_default=True,
              help="How many levels of upstream models and datasets to follow.")
@click.option("--revision", help="Hub revision (branch, tag or commit) of the target.")
@click.option("--repo-id", help="Hub id (org/name) the local target mirrors, when its folder name does not say.")
@click.option("--offline", is_flag=True, default=None, help="Never contact the Hub; use the local cache only.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no scan issues on stderr.")
def graph(target, fmt, depth, revision, repo_id, offline, quiet) -> int:
    """Resolve TARGET (a local model repository, a Hugging Face cache snapshot or a Hub id such as
    org/name), follow its upstream models and datasets, and print the graph on stdout.

    Progress and scan issues go to stderr (progress only when stderr is a terminal).

    \b
    Exit codes:
      0  the graph is complete
      3  the graph was printed, but some repository or file could not be read (see stderr)
      4  the target could not be opened
    """
    from pathlib import Path

    from scanner.pipeline import repo_id_for_directory
    from scanner.reporters.graph_text import render_graph
    from scanner.resolver.build import build_graph
    from scanner.sources.interface import SourceError
    from scanner.sources.open import open_source

    try:
        source = open_source(target, revision=revision, offline=offline)
    except SourceError as exc:
        click.echo(f"sovscan: cannot open {target!r}: {exc}", err=True)
        return ExitCode.SCAN_ERROR
    name = repo_id or source.repo_id or repo_id_for_directory(Path(target))
    build = build_graph(source, name, depth=depth, offline=offline, quiet=quiet or not sys.stderr.isatty())
    click.echo(render_graph(build.graph.to_dict(), fmt), nl=False)
    if build.issues and not quiet:
        for issue in build.issues:
            click.echo(f"sovscan: {issue.path}: {issue.problem}", err=True)
    return ExitCode.REVIEW if build.issues else ExitCode.PASS

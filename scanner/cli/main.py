"""The `sovscan` command: parses arguments and wires stages together, nothing more.

Each command group lives in its own module of this package and is registered in `_COMMANDS`;
modules are imported only when their command runs, so `sovscan licences identify` does not pay
for numpy or the rules engine.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from scanner import __version__
from scanner.cli.exit_codes import ExitCode

# command name -> (module path, name of the click command/group object in it, one-line help)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": ("scanner.cli.scan", "scan", "Scan a model repository and judge it against a policy pack."),
    "graph": ("scanner.cli.graph", "graph", "Print a model's dependency graph (json, dot, mermaid)."),
    "licences": ("scanner.cli.licences", "licences", "List, show and identify licences."),
    "rules": ("scanner.cli.rules", "rules", "List, show and validate policy packs."),
    "explain": ("scanner.cli.explain", "explain", "Explain one finding of a saved report."),
    "fingerprint": ("scanner.cli.fingerprint", "fingerprint", "Manage the reference weight-fingerprint store."),
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attr, _help = _COMMANDS[name]
        return getattr(import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_m, _a, help_) in sorted(_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="sovscan", message="%(prog)s %(version)s")
def cli() -> None:
    """sovscan: licence, lineage and weight-provenance compliance scanner for AI models.

    Scans a model repository and judges it against a policy pack (by default the Korean
    independent-foundation-model criteria: technical, policy, ethics), with the evidence for
    every finding.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: click usage errors exit 2; an unexpected crash exits 4, never 0."""
    try:
        rv = cli.main(args=argv, prog_name="sovscan", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.SCAN_ERROR)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.SCAN_ERROR)
    except Exception as exc:  # a crash must never look like a pass
        click.echo(f"sovscan: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(ExitCode.SCAN_ERROR)
    sys.exit(rv if isinstance(rv, int) else 0)
